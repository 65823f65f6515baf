"""`loupe collect` as a real process: serves, answers once durable, stops cleanly (exit code 0)
on SIGTERM and on SIGINT, and no record, body or client can make it fail, hang or keep a request
waiting."""

from __future__ import annotations

import signal
import socket
import time
import uuid
from pathlib import Path

import httpx
import orjson
import pytest

from loupe.settings import Settings
from loupe.warehouse import Warehouse, open_warehouse
from tests.helpers.calls import api_call
from tests.helpers.collector_child import (
    AUTH,
    JSON,
    NDJSON,
    Collector,
    collector_process,
    migrated,
)

RECORD_LIMIT = 1024  # LOUPE_MAX_RECORD_BYTES of these tests: small bodies reach every limit


def post(collector: Collector, body: bytes, headers: dict, timeout: float = 30) -> httpx.Response:
    return httpx.post(
        f"{collector.url}/v1/api-calls", content=body, headers=headers, timeout=timeout
    )


def stalled_post(collector: Collector, sent: bytes = b"[") -> socket.socket:
    """A client that sends headers and the start of its body, then nothing more."""
    port = int(collector.url.rsplit(":", 1)[1])
    client = socket.create_connection(("127.0.0.1", port))
    head = (
        "POST /v1/api-calls HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: {AUTH['Authorization']}\r\n"
        "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
    )
    client.sendall(head.encode() + sent)
    return client


def stopped(collector: Collector, stop_signal: signal.Signals = signal.SIGTERM) -> str:
    """Stop the collector with a signal; assert a clean exit (code 0); return its log."""
    exit_code, log = collector.stop(60, stop_signal)
    assert exit_code == 0, log
    assert "Finished server process" in log
    return log


pytestmark = pytest.mark.slow  # a real `loupe collect` process


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_collect_serves_and_exits_0_when_stopped(
    settings: Settings, loupe_env: Path, stop_signal: signal.Signals
) -> None:
    migrated(settings)
    with collector_process() as collector:
        body = b"\n".join(orjson.dumps(api_call(event_id=str(uuid.uuid4()))) for _ in range(100))
        answer = post(collector, body, NDJSON)
        assert answer.json() == {"accepted": 100, "rejected": 0, "spooled": False}
        log = stopped(collector, stop_signal)
        assert "error" not in log
    with open_warehouse(settings) as warehouse:  # the lock was released on exit
        assert warehouse.scalar("SELECT count() FROM pd.api_calls") == 100


def rejected_reasons(warehouse: Warehouse) -> list[tuple[str, int]]:
    return [
        (row["reason"], row["n"])
        for row in warehouse.rows(
            "SELECT reason, count() AS n FROM pd.api_calls_rejected GROUP BY reason ORDER BY reason"
        )
    ]


def test_bad_records_are_rejected_and_their_neighbours_stored(
    settings: Settings, loupe_env: Path
) -> None:
    migrated(settings)
    ids = [str(uuid.uuid4()) for _ in range(4)]
    deep = orjson.dumps(api_call(event_id=ids[0])).replace(
        b'"section":"rings"', b'"section":' + b"[" * 300 + b"]" * 300
    )
    lines = [
        orjson.dumps(api_call(event_id=ids[0])),
        deep,  # orjson cannot encode it again: was a 500 for the whole post
        orjson.dumps(api_call(event_id=ids[1])),
        b"\xff" * (RECORD_LIMIT * 5),  # oversized and not UTF-8: was a 500 too
        orjson.dumps(api_call(method="G" * 2000)),  # the method counts in the size
        orjson.dumps(api_call(event_id=ids[2])),
    ]
    array = b"[" + b",".join([orjson.dumps(api_call(event_id=ids[3])), deep]) + b"]"
    with collector_process(LOUPE_MAX_RECORD_BYTES=str(RECORD_LIMIT)) as collector:
        for _ in range(2):  # a client retrying after a timeout gets the same answer
            answer = post(collector, b"\n".join(lines), NDJSON)
            assert answer.status_code == 200, answer.text
            assert answer.json() == {"accepted": 3, "rejected": 3, "spooled": False}
        answer = post(collector, array, JSON)
        assert answer.json() == {"accepted": 1, "rejected": 1, "spooled": False}
        stopped(collector)
    with open_warehouse(settings) as warehouse:
        stored = warehouse.rows(
            "SELECT toString(event_id) AS event_id, count() AS n"
            " FROM pd.api_calls GROUP BY event_id"
        )
        assert {row["event_id"]: row["n"] for row in stored} == dict.fromkeys(ids, 1)
        assert rejected_reasons(warehouse) == [
            ("record is 2189 bytes, over the limit of 1024", 1),  # the retry landed once
            (f"record is {RECORD_LIMIT * 5} bytes, over the limit", 1),
            ("record is nested too deeply", 2),
        ]
        truncated = warehouse.scalar(
            "SELECT any(payload) FROM pd.api_calls_rejected WHERE reason LIKE '%over the limit'"
        )
        assert truncated == "\ufffd" * RECORD_LIMIT


def test_empty_posts_are_answered_at_once(settings: Settings, loupe_env: Path) -> None:
    migrated(settings)
    nothing = {"accepted": 0, "rejected": 0, "spooled": False}
    with collector_process() as collector:
        for body, headers in [(b"[]", JSON), (b" [ ] ", JSON), (b"\n\n \n", NDJSON)]:
            started = time.monotonic()
            answer = post(collector, body, headers, timeout=10)  # was: waits for other traffic
            assert answer.json() == nothing
            assert time.monotonic() - started < 2
        stopped(collector)


def test_sigterm_stops_the_collector_with_requests_in_flight(
    settings: Settings, loupe_env: Path
) -> None:
    migrated(settings)
    with collector_process() as collector:
        client = stalled_post(collector)  # uvicorn used to wait for it for ever
        try:
            time.sleep(0.5)
            started = time.monotonic()
            stopped(collector)
            assert time.monotonic() - started < 30  # SHUTDOWN_GRACE_S (10 s) and the flush
        finally:
            client.close()


def test_requests_beyond_the_concurrency_limit_get_429_at_once(
    settings: Settings, loupe_env: Path
) -> None:
    migrated(settings)
    with collector_process(LOUPE_COLLECTOR_MAX_CONCURRENT_REQUESTS="2") as collector:
        clients = [stalled_post(collector) for _ in range(2)]
        try:
            time.sleep(0.5)  # both are being read
            started = time.monotonic()
            answer = post(collector, orjson.dumps([api_call()]), JSON, timeout=10)
            assert time.monotonic() - started < 2
            assert answer.status_code == 429
            assert answer.headers["retry-after"] == "1"
            assert answer.json() == {
                "error": "the collector is already taking 2 requests "
                "(collector_max_concurrent_requests): retry later",
                "status": 429,
            }
        finally:
            for client in clients:
                client.close()
        deadline = time.monotonic() + 10  # the slots of the clients gone are free again
        while (answer := post(collector, orjson.dumps([api_call()]), JSON)).status_code == 429:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert answer.json() == {"accepted": 1, "rejected": 0, "spooled": False}
        stopped(collector)
