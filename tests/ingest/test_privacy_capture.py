"""Personal data never reaches the warehouse, the spool, the logs or the metrics, on every path.

A login with a password and a checkout with a card number and a phone number go through the real
ASGI (uvicorn) and WSGI (werkzeug) middleware, a real `loupe collect` process and `loupe ingest`;
the raw values are then searched for byte by byte in `pd.api_calls`, `pd.api_calls_rejected`,
the spool files, the process logs and `/metrics`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from flask import Flask, jsonify, request
from prometheus_client import generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from loupe.ingest.batch import Batch
from loupe.ingest.middleware import ApiCallASGIMiddleware, ApiCallWSGIMiddleware, CaptureOptions
from loupe.ingest.writer import BatchWriter, open_writer
from loupe.settings import Settings, load_settings
from loupe.warehouse import Warehouse, open_warehouse
from tests.helpers.calls import api_call
from tests.helpers.collector_child import NDJSON, collector_process, migrated
from tests.helpers.interface import wait_until
from tests.helpers.servers import serve_asgi, serve_wsgi

KEY = "capture-test-key"
EMAIL, PASSWORD, PHONE = "ann.lee@example.com", "hunter2-Secret!", "+79001234567"
CARD, TOKEN, IP = "4111111111111111", "tok-secret-xyz", "198.51.100.77"
RAW = [
    EMAIL.encode(),
    b"ann.lee%40example.com",
    PASSWORD.encode(),
    PHONE.encode(),
    b"%2B79001234567",
    CARD.encode(),
    b"4111 1111 1111 1111",
    b"4111+1111+1111+1111",
    b"4111-1111-1111-1111",
    TOKEN.encode(),
    IP.encode(),
]
REFERER = "https://shop.example/checkout?email=ann.lee%40example.com&phone=%2B79001234567"
LOGIN = {"email": EMAIL, "password": PASSWORD}
ORDER = {
    "items": [{"product_id": 7, "qty": 1, "price": 100}],
    "payment": {"card_number": CARD, "cvv": "987", "holder": "ANN LEE"},
    "contact": {"phone": PHONE, "Email": EMAIL},
    "note": "card 4111 1111 1111 1111",
}


def keyed(text: str, key: str = KEY) -> str:
    return "h:" + hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest()[:32]


def assert_no_raw(where: str, data: bytes) -> None:
    for raw in RAW:
        assert raw not in data, f"{raw!r} found in {where}"


def dump(warehouse: Warehouse) -> bytes:
    """Every column of every row of both tables, as text."""
    rows = warehouse.rows("SELECT * FROM pd.api_calls") + warehouse.rows(
        "SELECT * FROM pd.api_calls_rejected"
    )
    return orjson.dumps(rows, default=str)


def assert_scrubbed_calls(warehouse: Warehouse, ip: str, query: str) -> None:
    """The login and the order stored with their personal data scrubbed, as the rules say."""
    rows = warehouse.rows(
        "SELECT endpoint, request, response, ip, referer FROM pd.api_calls ORDER BY endpoint"
    )
    assert len(rows) == 2, rows
    login, order = rows
    assert login["endpoint"] == "/api/v1/auth/login"  # ?token=... dropped
    assert orjson.loads(login["request"]) == {"email": keyed(EMAIL)}  # token, password dropped
    assert orjson.loads(login["response"]) == {"ok": True, "email": keyed(EMAIL)}
    assert order["endpoint"] == "/api/v1/orders" + query
    assert orjson.loads(order["request"]) == {
        "card": "****1111",
        "items": [{"product_id": 7, "qty": 1, "price": 100}],  # what the ETL reads stays
        "payment": {"card_number": "***", "holder": "ANN LEE"},
        "contact": {"phone": keyed(PHONE), "Email": keyed(EMAIL)},
        "note": "card ****1111",
    }
    assert order["referer"] == (
        f"https://shop.example/checkout?email={keyed(EMAIL)}&phone={keyed(PHONE)}"
    )
    assert {login["ip"], order["ip"]} == {ip}
    assert keyed(EMAIL) != keyed(EMAIL, "another-key")


@pytest.fixture
def keyed_settings(loupe_env: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("LOUPE_SCRUB_HASH_KEY", KEY)
    return load_settings()


def shop_calls(url: str) -> None:
    with httpx.Client(base_url=url, cookies={"session_id": "sess-pd"}) as client:
        answer = client.post(f"/api/v1/auth/login?token={TOKEN}", json=LOGIN)
        assert answer.json() == {"ok": True, "email": EMAIL}
        answer = client.post(
            "/api/v1/orders",
            params={"card": "4111 1111 1111 1111"},
            json=ORDER,
            headers={"Referer": REFERER},
        )
        assert answer.status_code == 200


def starlette_shop() -> Starlette:
    async def endpoint(req: Request) -> JSONResponse:
        body = await req.json()
        return JSONResponse({"ok": True, "email": body.get("email")})

    return Starlette(
        routes=[
            Route(path, endpoint, methods=["POST"])
            for path in ("/api/v1/auth/login", "/api/v1/orders")
        ]
    )


def flask_shop() -> Flask:
    shop = Flask("shop")

    @shop.post("/api/v1/auth/login")
    @shop.post("/api/v1/orders")
    def endpoint():  # type: ignore[no-untyped-def]
        return jsonify({"ok": True, "email": request.get_json().get("email")})

    return shop


@pytest.fixture
def captured_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every record of the `loupe` loggers, also after a CLI test stopped their propagation."""
    loupe = logging.getLogger("loupe")
    loupe.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.DEBUG, logger="loupe"):
            yield caplog
    finally:
        loupe.removeHandler(caplog.handler)


class OfferCounter:
    """The writer, counting the records a middleware offers it: a server may offer a call's
    record only after its response reached the client (a WSGI server closes the response then)."""

    def __init__(self, writer: BatchWriter) -> None:
        self.writer = writer
        self.count = 0

    def offer(self, record: dict) -> bool:
        self.count += 1
        return self.writer.offer(record)


@pytest.mark.parametrize("server", ["asgi", "wsgi"])
def test_middleware_stores_nothing_raw(
    keyed_settings: Settings,
    warehouse: Warehouse,
    server: str,
    captured_log: pytest.LogCaptureFixture,
) -> None:
    options = CaptureOptions.from_settings(keyed_settings)
    with open_writer(keyed_settings, warehouse, source="writer") as writer:
        offered = OfferCounter(writer)
        if server == "asgi":
            with serve_asgi(ApiCallASGIMiddleware(starlette_shop(), offered, options)) as url:
                shop_calls(url)
                assert wait_until(lambda: offered.count == 2)
        else:
            shop = flask_shop()
            shop.wsgi_app = ApiCallWSGIMiddleware(shop.wsgi_app, offered, options)  # type: ignore[method-assign]
            with serve_wsgi(shop) as url:
                shop_calls(url)
                assert wait_until(lambda: offered.count == 2)
        writer.flush(timeout=30)
    # The query string is in `request`; the peer truncated to its /24.
    assert_scrubbed_calls(warehouse, "127.0.0.0", "")
    assert_no_raw("the warehouse", dump(warehouse))
    loupe_log = "\n".join(
        record.getMessage() for record in captured_log.records if record.name.startswith("loupe")
    )
    assert "INSERT" in loupe_log or "rows" in loupe_log  # the loupe loggers were captured
    assert_no_raw("Loupe's log", loupe_log.encode())
    assert_no_raw("/metrics", generate_latest())
    assert b'loupe_ingest_scrubbed_total{action="drop",rule="*password*"}' in generate_latest()


class DownSink:
    """A warehouse that is down: every batch goes to the spool."""

    def write(self, batch: Batch) -> None:
        raise ConnectionError("warehouse down")


def test_spooled_batches_hold_nothing_raw(keyed_settings: Settings, warehouse: Warehouse) -> None:
    shop = flask_shop()
    with open_writer(keyed_settings, warehouse, sink=DownSink()) as writer:
        writer.backoff_s = 0.001
        # The default middleware options: scrubbed before the record is offered, without a key.
        shop.wsgi_app = ApiCallWSGIMiddleware(shop.wsgi_app, writer)  # type: ignore[method-assign]
        with serve_wsgi(shop) as url:
            shop_calls(url)
        rejected = api_call(session_id=None, request={"password": PASSWORD, "pan": CARD}, ip=IP)
        writer.add_many([rejected]).result(timeout=30)
        writer.flush(timeout=30)
        files = [path for path in keyed_settings.spool_dir.rglob("*") if path.is_file()]
        assert len(files) >= 2  # accepted and rejected tables
        spooled = b"".join(path.read_bytes() for path in files)
    assert b"***" in spooled and b"ok" in spooled
    assert_no_raw("the spool", spooled)


def calls_ndjson() -> bytes:
    """The login and the order as API-call records, a rejected one, and a broken line."""
    login = api_call(
        endpoint=f"/api/v1/auth/login?token={TOKEN}",
        request=LOGIN,
        response={"ok": True, "email": EMAIL},
        ip=IP,
    )
    order = api_call(
        endpoint="/api/v1/orders?card=4111+1111+1111+1111",
        request={**ORDER, "card": "4111 1111 1111 1111"},
        response={"ok": True, "email": None},
        ip=IP,
        referer=REFERER,
    )
    rejected = api_call(session_id=None, request=LOGIN, ip=IP, referer=REFERER)
    broken = f'{{"session_id": "s", "password": "{PASSWORD}", "email": "{EMAIL}", "n": {CARD}'
    return b"\n".join([*map(orjson.dumps, [login, order, rejected]), broken.encode()])


def assert_received_scrubbed(settings: Settings) -> None:
    with open_warehouse(settings) as warehouse:
        assert_scrubbed_calls(warehouse, "198.51.100.0", "?card=****1111")
        assert warehouse.scalar("SELECT count() FROM pd.api_calls_rejected") == 2
        assert_no_raw("the warehouse", dump(warehouse))


@pytest.mark.slow  # a real `loupe` process
def test_collector_stores_nothing_raw(keyed_settings: Settings, loupe_env: Path) -> None:
    migrated(keyed_settings)
    with collector_process(LOUPE_SCRUB_HASH_KEY=KEY) as collector:
        answer = httpx.post(f"{collector.url}/v1/api-calls", content=calls_ndjson(), headers=NDJSON)
        assert answer.json() == {"accepted": 2, "rejected": 2, "spooled": False}
        metrics = httpx.get(f"{collector.url}/metrics").content
        code, log = collector.stop()
    assert code == 0
    assert b'loupe_ingest_scrubbed_total{action="mask",rule="card-number"}' in metrics
    assert_no_raw("/metrics", metrics)
    assert_no_raw("the collector's log", log.encode())
    assert_received_scrubbed(keyed_settings)


@pytest.mark.slow  # a real `loupe` process
def test_loupe_ingest_stores_nothing_raw(keyed_settings: Settings, loupe_env: Path) -> None:
    migrated(keyed_settings)
    path = loupe_env / "calls.ndjson"
    path.write_bytes(calls_ndjson())
    loupe = str(Path(sys.executable).with_name("loupe"))
    result = subprocess.run(
        [loupe, "-v", "ingest", str(path)],
        env={**os.environ, "LOUPE_SCRUB_HASH_KEY": KEY},
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert_no_raw("the output of loupe ingest", result.stdout + result.stderr)
    assert_received_scrubbed(keyed_settings)
