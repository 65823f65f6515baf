"""The client IP the middleware records: the socket's peer, `X-Forwarded-For` only from trusted
proxies, over real Starlette/uvicorn and Flask/werkzeug servers into the real chDB warehouse."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import orjson
import pytest
from flask import Flask, jsonify
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from loupe.errors import ConfigError
from loupe.ingest.middleware import (
    ApiCallASGIMiddleware,
    ApiCallWSGIMiddleware,
    CaptureOptions,
    client_ip,
    parse_networks,
)
from loupe.ingest.sinks import WarehouseSink
from loupe.ingest.writer import BatchWriter
from loupe.settings import load_settings
from loupe.warehouse import Warehouse
from tests.helpers.servers import serve_asgi, serve_wsgi

# (case, trusted proxies, X-Forwarded-For header lines, the IP to record). The test servers'
# peer is always 127.0.0.1.
CASES = [
    ("no proxy trusted: the header is the client's", (), ["6.6.6.6"], "127.0.0.1"),
    ("peer not trusted", ("10.0.0.0/8",), ["6.6.6.6"], "127.0.0.1"),
    ("trusted peer: right-most", ("127.0.0.1",), ["6.6.6.6, 203.0.113.7"], "203.0.113.7"),
    (
        "a chain of trusted proxies over two header lines",
        ("127.0.0.0/8", "10.0.0.0/8"),
        ["6.6.6.6, 203.0.113.7", "10.1.2.3"],
        "203.0.113.7",
    ),
    ("trusted peer, no header", ("127.0.0.1",), [], "127.0.0.1"),
    ("every hop trusted", ("127.0.0.1", "10.0.0.0/8"), ["10.9.9.9, 10.1.2.3"], "10.9.9.9"),
]


@pytest.fixture
def writer(warehouse: Warehouse) -> Iterator[BatchWriter]:
    with BatchWriter(WarehouseSink(warehouse), max_delay_ms=20) as opened:
        yield opened


def starlette_app(options: CaptureOptions, writer: BatchWriter) -> object:
    async def ping(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    return ApiCallASGIMiddleware(Starlette(routes=[Route("/api/ping", ping)]), writer, options)


def flask_app(options: CaptureOptions, writer: BatchWriter) -> object:
    shop = Flask("shop")
    shop.add_url_rule("/api/ping", "ping", lambda: jsonify(ok=True))
    shop.wsgi_app = ApiCallWSGIMiddleware(shop.wsgi_app, writer, options)  # type: ignore[method-assign]
    return shop


SERVERS: dict[str, tuple[Callable, Callable[[object], AbstractContextManager[str]]]] = {
    # uvicorn's own proxy-header handling off: the ASGI `client` is the socket's peer.
    "asgi": (starlette_app, lambda app: serve_asgi(app, proxy_headers=False)),
    "wsgi": (flask_app, serve_wsgi),
}


@pytest.mark.parametrize("kind", sorted(SERVERS))
def test_recorded_ip_trusts_forwarded_for_only_from_trusted_proxies(
    kind: str, warehouse: Warehouse, writer: BatchWriter
) -> None:
    make_app, serve = SERVERS[kind]
    for case, trusted, lines, _ in CASES:
        with serve(make_app(CaptureOptions(trusted_proxies=trusted), writer)) as url:
            headers = [("X-Forwarded-For", line) for line in lines]
            answer = httpx.get(
                f"{url}/api/ping",
                params={"case": case},
                headers=[*headers, ("Cookie", "session_id=s1")],
            )
            assert answer.status_code == 200
    writer.flush(timeout=30)
    rows = warehouse.rows("SELECT request, ip FROM pd.api_calls")
    recorded = {orjson.loads(row["request"])["case"]: row["ip"] for row in rows}
    assert recorded == {case: expected for case, _, _, expected in CASES}


def test_forwarded_entries_with_ports_ipv6_and_garbage() -> None:
    trusted = parse_networks(["10.0.0.0/8", "fd00::/8"])
    assert client_ip("10.0.0.1", "203.0.113.7:5123", trusted) == "203.0.113.7"
    assert client_ip("10.0.0.1", "[2001:db8::7]:443, fd00::1", trusted) == "2001:db8::7"
    assert client_ip("::ffff:10.0.0.1", "203.0.113.7", trusted) == "203.0.113.7"
    # Not an address: the walk stops at the trusted hop that wrote it.
    assert client_ip("10.0.0.1", "203.0.113.7, unknown, 10.2.2.2", trusted) == "10.2.2.2"
    assert client_ip("10.0.0.1", "", trusted) == "10.0.0.1"
    assert client_ip("", "203.0.113.7", trusted) == ""  # a unix socket: no peer address


def test_trusted_proxies_setting(monkeypatch: pytest.MonkeyPatch, loupe_env: Path) -> None:
    # loupe_env: the options also read the hash key, kept under the working directory.
    monkeypatch.setenv("LOUPE_TRUSTED_PROXIES", "10.0.0.5, 10.1.0.0/16")
    options = CaptureOptions.from_settings(load_settings(), session_cookie="sid")
    assert options.trusted_proxies == ("10.0.0.5", "10.1.0.0/16")
    assert options.session_cookie == "sid"
    assert client_ip("10.1.4.4", "6.6.6.6, 203.0.113.7", options._networks) == "203.0.113.7"
    monkeypatch.setenv("LOUPE_TRUSTED_PROXIES", "10.0.0.5, proxy.internal")
    with pytest.raises(ConfigError, match=r"'proxy\.internal' is not an IP address or network"):
        load_settings()
    with pytest.raises(ValueError, match=r"'10\.0\.0\.300' is not an IP address"):
        CaptureOptions(trusted_proxies=("10.0.0.300",))
