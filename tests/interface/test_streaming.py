"""Large results streamed from the engine while they are sent, against a real `loupe serve`:
the bytes are those of the whole result, an error after the headers is never taken for the end
of a result, and a client that goes away mid-body releases its query and its session."""

from __future__ import annotations

import socket
import uuid
from urllib.parse import urlencode

import httpx
import pytest

from loupe.interface import framing
from loupe.interface.results import HEAD_BYTES
from tests.helpers.interface import READER_PASSWORD, Served, running, wait_until

pytestmark = pytest.mark.slow

ROWS = 400_000  # about 6 MiB in Native: several times HEAD_BYTES
LARGE = f"SELECT number, toString(number) AS s FROM numbers({ROWS})"


@pytest.mark.parametrize(
    "fmt", ["Native", "TabSeparated", "JSONEachRow", "CSV", "RowBinary", "TSVRaw"]
)
def test_large_result_streamed_is_the_whole_result(served: Served, fmt: str) -> None:
    sql = f"{LARGE} ORDER BY number FORMAT {fmt}"
    response = served.post(sql)
    assert response.status_code == 200
    assert len(response.content) > HEAD_BYTES
    assert response.headers["X-ClickHouse-Format"] == fmt
    # wait_end_of_query=1: the result fetched whole before it is sent
    assert response.content == served.post(sql, wait_end_of_query="1").content


def test_streamed_native_for_a_protocol_revision_and_framed(served: Served) -> None:
    client = served.client("reader", compress=False)
    rows = client.query(f"{LARGE} ORDER BY number").result_rows
    assert len(rows) == ROWS and rows[-1] == (ROWS - 1, str(ROWS - 1))
    sql = f"{LARGE} ORDER BY number FORMAT Native"
    streamed = served.post(sql, client_protocol_version="54460")
    whole = served.post(sql, client_protocol_version="54460", wait_end_of_query="1")
    assert streamed.content == whole.content
    assert streamed.content != served.post(sql).content  # block info and flag bytes
    framed = served.post(sql, client_protocol_version="54460", compress="1")
    assert framing.decompress_body(framed.content) == whole.content


def test_small_result_is_sent_whole_with_its_summary(served: Served) -> None:
    response = served.post("SELECT number FROM numbers(1000) FORMAT Native")
    assert response.headers["X-ClickHouse-Summary"].count('"result_rows":"1000"') == 1
    empty = served.post("SELECT number FROM numbers(10) WHERE number > 100 FORMAT Native")
    assert empty.content == b"\x01\x00\x06number\x06UInt64"  # the header block


def test_error_after_the_headers_breaks_the_body(served: Served) -> None:
    sql = (
        "SELECT number, throwIf(number = 3000000, 'late failure') FROM numbers(4000000) "
        "SETTINGS max_block_size = 65536 FORMAT Native"
    )
    received = bytearray()
    with (
        httpx.Client(auth=("reader", READER_PASSWORD), timeout=60) as client,
        client.stream("POST", served.url, content=sql) as response,
    ):
        assert response.status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            for chunk in response.iter_raw():
                received += chunk
    assert b"Code: 395." in received[-500:]
    waited = served.post(sql, wait_end_of_query="1")
    assert waited.status_code == 500
    assert waited.headers["X-ClickHouse-Exception-Code"] == "395"


def test_client_gone_mid_body_releases_the_query_and_its_session(served: Served) -> None:
    token = uuid.uuid4().hex
    session = f"s-{token}"
    sql = (
        f"SELECT number, '{token}' FROM numbers(10000000000) "
        "SETTINGS max_block_size = 65536 FORMAT Native"
    ).encode()
    params = urlencode({"session_id": session, "query_id": token})
    sock = socket.create_connection((served.host, served.port))
    sock.sendall(
        f"POST /?{params} HTTP/1.1\r\nHost: {served.host}\r\nContent-Length: {len(sql)}\r\n"
        f"X-ClickHouse-User: reader\r\nX-ClickHouse-Key: {READER_PASSWORD}\r\n\r\n".encode()
        + sql
    )
    assert sock.recv(65536).startswith(b"HTTP/1.1 200")
    assert running(served, token) == 1
    sock.close()
    assert wait_until(lambda: running(served, token) == 0)
    assert wait_until(
        lambda: served.post("SELECT 1", session_id=session, session_check="1").text == "1\n"
    )


def test_insert_body_written_as_it_arrives(served: Served) -> None:
    """An INSERT whose statement is in the URL: its body goes to a file as it arrives, and the
    rows land only once the whole body is there."""
    table = f"dwh.interface_spooled_{uuid.uuid4().hex[:8]}"
    served.post(f"CREATE TABLE {table} (n UInt64, s String) ENGINE = Memory", user="admin")
    rows = b"".join(b"%d\tvalue %d\n" % (n, n) for n in range(200_000))
    insert = f"INSERT INTO {table} FORMAT TabSeparated"
    assert served.post(rows, user="admin", query=insert).status_code == 200
    assert served.post(f"SELECT count(), sum(n) FROM {table}", user="admin").text == (
        f"200000\t{sum(range(200_000))}\n"
    )
    cut = f"INSERT INTO {table} FORMAT TabSeparated"
    sock = socket.create_connection((served.host, served.port))
    sock.sendall(
        f"POST /?{urlencode({'query': cut})} HTTP/1.1\r\nHost: {served.host}\r\n"
        f"Content-Length: {len(rows)}\r\nX-ClickHouse-User: admin\r\n"
        f"X-ClickHouse-Key: {served.admin_password}\r\n\r\n".encode()
        + rows[: len(rows) // 2].rsplit(b"\n", 1)[0]
        + b"\n"
    )
    sock.close()  # half the body, cut at a row's end: nothing of it may land
    assert not wait_until(
        lambda: served.post(f"SELECT count() FROM {table}", user="admin").text != "200000\n",
        seconds=3,
    )
