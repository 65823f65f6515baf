"""Control of running queries over the interface: cancellation when the client closes its
connection, `KILL QUERY` from another connection, `max_execution_time`, progress headers and
`/replicas_status`. A query's state is read from the engine's own `system.processes`."""

from __future__ import annotations

import json
import socket
import threading
import uuid
from urllib.parse import urlencode

import httpx
import pytest

from tests.helpers.interface import READER_PASSWORD, Served, running, wait_until

pytestmark = pytest.mark.slow


def long_query(token: str) -> str:
    """A read that would scan for many minutes, found in system.processes by `token`."""
    return f"SELECT count() FROM numbers(100000000000) WHERE sipHash64(number, '{token}') % 7 = 3"


def test_closed_connection_cancels_a_read(served: Served) -> None:
    token = uuid.uuid4().hex
    params = urlencode({"cancel_http_readonly_queries_on_client_close": "1", "query_id": token})
    body = long_query(token).encode()
    sock = socket.create_connection((served.host, served.port))
    sock.sendall(
        f"POST /?{params} HTTP/1.1\r\nHost: {served.host}\r\nContent-Length: {len(body)}\r\n"
        f"X-ClickHouse-User: reader\r\nX-ClickHouse-Key: {READER_PASSWORD}\r\n\r\n".encode()
        + body
    )
    assert wait_until(lambda: running(served, token) == 1)
    sock.close()
    assert wait_until(lambda: running(served, token) == 0)


def test_kill_query_by_client_query_id_from_another_connection(served: Served) -> None:
    token = uuid.uuid4().hex
    outcome: dict[str, httpx.Response] = {}

    def run() -> None:
        outcome["long"] = served.post(long_query(token), query_id=f"report-{token}")

    thread = threading.Thread(target=run)
    thread.start()
    assert wait_until(lambda: running(served, token) == 1)
    killed = served.post(f"KILL QUERY WHERE query_id = 'report-{token}' SYNC")  # its own
    assert killed.text.startswith(f"finished\treport-{token}\treader\t")
    thread.join(60)
    assert running(served, token) == 0
    assert outcome["long"].headers["X-ClickHouse-Exception-Code"] == "394"


def test_kill_answers_as_a_server_and_readers_kill_only_their_own(served: Served) -> None:
    token = uuid.uuid4().hex
    thread = threading.Thread(
        target=served.post, args=(long_query(token),), kwargs={"user": "admin", "query_id": token}
    )
    thread.start()
    assert wait_until(lambda: running(served, token) == 1)
    by_reader = served.post(f"KILL QUERY WHERE query_id = '{token}' FORMAT JSONEachRow")
    assert by_reader.status_code == 200 and by_reader.text == ""
    assert running(served, token) == 1
    by_admin = served.post(
        f"KILL QUERY WHERE query_id = '{token}' SYNC FORMAT JSONEachRow", user="admin"
    )
    row = json.loads(by_admin.text)
    assert (row["kill_status"], row["query_id"], row["user"]) == ("finished", token, "admin")
    thread.join(60)
    assert running(served, token) == 0


def test_max_execution_time(served: Served) -> None:
    response = served.post(long_query(uuid.uuid4().hex), max_execution_time="1")
    assert response.status_code == 504
    assert response.headers["X-ClickHouse-Exception-Code"] == "159"


def test_progress_headers_for_a_scan_of_the_calls(served: Served) -> None:
    admin = served.client()
    admin.command(
        "INSERT INTO pd.api_calls (event_id, ts, session_id, endpoint, request) "
        "SELECT generateUUIDv4(), toDateTime64('2026-11-20 00:00:00', 3, 'UTC') + number, "
        "toString(number % 5000), '/api/catalog', repeat('x', 200) FROM numbers(2000000)"
    )
    sql = "SELECT count(), sum(length(request)) FROM pd.api_calls FORMAT TSV"
    response = served.post(
        sql, user="admin", send_progress_in_http_headers="1", http_headers_progress_interval_ms="1"
    )
    assert response.text == "2000000\t400000000\n"
    progress = [json.loads(value) for value in response.headers.get_list("X-ClickHouse-Progress")]
    assert progress and int(progress[-1]["read_rows"]) == 2000000
    assert int(progress[-1]["total_rows_to_read"]) == 2000000
    plain = served.post(sql, user="admin")
    assert "X-ClickHouse-Progress" not in plain.headers


def test_replicas_status(served: Served) -> None:
    response = httpx.get(f"{served.url}replicas_status")
    assert (response.status_code, response.text) == (200, "Ok.\n")
