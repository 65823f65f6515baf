"""The collector over real HTTP (uvicorn on loopback) into the real chDB warehouse."""

from __future__ import annotations

import gzip
import threading
import time
import uuid

import httpx
import orjson
import pytest

from loupe.ingest.collector import create_collector_app
from loupe.ingest.sinks import WarehouseSink
from loupe.ingest.writer import BatchWriter
from loupe.warehouse import Warehouse
from tests.helpers.calls import api_call
from tests.helpers.ingest import COLLECTOR_TOKEN as TOKEN
from tests.helpers.ingest import GatedSink, stored
from tests.helpers.servers import serve_asgi

AUTH = {"Authorization": f"Bearer {TOKEN}"}
NDJSON = {**AUTH, "Content-Type": "application/x-ndjson"}


def ndjson(records: list[dict]) -> bytes:
    return b"\n".join(orjson.dumps(record) for record in records)


def test_json_array_is_stored_before_the_answer(collector: str, warehouse: Warehouse) -> None:
    body = [api_call(event_id=str(uuid.uuid4())) for _ in range(3)] + [api_call(ts="bad")]
    response = httpx.post(f"{collector}/v1/api-calls", json=body, headers=AUTH)
    assert response.status_code == 200
    assert response.json() == {"accepted": 3, "rejected": 1, "spooled": False}
    assert stored(warehouse) == (3, 3)  # durable when answered
    assert warehouse.scalar("SELECT count() FROM pd.api_calls_rejected") == 1


def test_ndjson_and_gzip(collector: str, warehouse: Warehouse) -> None:
    lines = ndjson([api_call(event_id=str(uuid.uuid4())) for _ in range(4)]) + b"\n{broken\n"
    response = httpx.post(
        f"{collector}/v1/api-calls",
        content=gzip.compress(lines),
        headers={**NDJSON, "Content-Encoding": "gzip"},
    )
    assert response.json() == {"accepted": 4, "rejected": 1, "spooled": False}
    assert stored(warehouse) == (4, 4)


def test_same_records_sent_twice_are_one_batch_insert(collector: str, warehouse: Warehouse) -> None:
    warehouse.command("SYSTEM STOP MERGES pd.api_calls")
    body = ndjson([api_call(event_id=str(uuid.uuid4())) for _ in range(5)])
    for _ in range(2):  # a client retrying after a timeout
        assert httpx.post(f"{collector}/v1/api-calls", content=body, headers=NDJSON).is_success
    assert stored(warehouse) == (5, 5)


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer wrong"}, 401),
        ({**AUTH, "Content-Type": "application/xml"}, 415),
        ({**NDJSON, "Content-Encoding": "br"}, 415),
    ],
)
def test_auth_and_media_type_errors(collector: str, headers: dict, status: int) -> None:
    response = httpx.post(f"{collector}/v1/api-calls", content=b"[]", headers=headers)
    assert response.status_code == status
    assert response.json()["status"] == status and response.json()["error"]


def test_body_over_the_limit_is_413(collector: str, warehouse: Warehouse) -> None:
    body = ndjson([api_call(event_id=str(uuid.uuid4())) for _ in range(200)])
    assert len(body) > 64_000
    response = httpx.post(f"{collector}/v1/api-calls", content=body, headers=NDJSON)
    assert response.status_code == 413
    bomb = gzip.compress(b" " * 1_000_000)  # small on the wire, too large inflated
    response = httpx.post(
        f"{collector}/v1/api-calls",
        content=bomb,
        headers={**NDJSON, "Content-Encoding": "gzip"},
    )
    assert response.status_code == 413
    assert stored(warehouse) == (0, 0)


@pytest.mark.parametrize("body", [b"{not json", b'"a string"', b"42"])
def test_unparsable_json_body_is_422(collector: str, body: bytes) -> None:
    response = httpx.post(
        f"{collector}/v1/api-calls",
        content=body,
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert response.status_code == 422


def test_full_writer_answers_429(warehouse: Warehouse) -> None:
    sink = GatedSink(warehouse)
    writer = BatchWriter(sink, max_records=5, max_pending=5, when_full="raise")
    with serve_asgi(create_collector_app(writer, TOKEN, 64_000)) as url:
        first_body = ndjson([api_call(event_id=str(uuid.uuid4())) for _ in range(5)])
        first: dict = {}
        sender = threading.Thread(
            target=lambda: first.update(
                r=httpx.post(f"{url}/v1/api-calls", content=first_body, headers=NDJSON, timeout=30)
            )
        )
        sender.start()
        deadline = time.monotonic() + 30
        while writer.pending < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        response = httpx.post(
            f"{url}/v1/api-calls", content=ndjson([api_call()]), headers=NDJSON, timeout=30
        )
        assert response.status_code == 429
        assert response.headers["retry-after"] == "1"
        sink.gate.set()
        sender.join(30)
        assert first["r"].json()["accepted"] == 5
    writer.close()


def test_closed_writer_answers_503(warehouse: Warehouse) -> None:
    writer = BatchWriter(WarehouseSink(warehouse))
    writer.close()
    with serve_asgi(create_collector_app(writer, TOKEN, 64_000)) as url:
        response = httpx.post(f"{url}/v1/api-calls", content=ndjson([api_call()]), headers=NDJSON)
    assert response.status_code == 503


def test_health_metrics_and_openapi(collector: str) -> None:
    httpx.post(f"{collector}/v1/api-calls", json=[api_call(), api_call(ts=None)], headers=AUTH)
    assert httpx.get(f"{collector}/healthz").json()["status"] == "ok"
    metrics = httpx.get(f"{collector}/metrics").text
    assert "loupe_ingest_records_total" in metrics
    assert "loupe_ingest_rejected_total" in metrics
    assert "loupe_ingest_flush_seconds_bucket" in metrics
    spec = httpx.get(f"{collector}/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]["/v1/api-calls"]["post"]["responses"]) >= {
        "200",
        "401",
        "413",
        "415",
        "422",
        "429",
        "503",
    }
