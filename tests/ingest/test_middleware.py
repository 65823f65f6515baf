"""The ASGI and WSGI middleware capture real calls of small Starlette and Flask shops."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import orjson
import pytest
from flask import Flask, g, jsonify, request
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from loupe.ingest.middleware import ApiCallASGIMiddleware, ApiCallWSGIMiddleware, CaptureOptions
from loupe.ingest.sinks import WarehouseSink
from loupe.ingest.writer import BatchWriter
from loupe.jobs.run import build_day
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from tests.helpers.servers import serve_asgi, serve_wsgi

REDUCED_ANDROID = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36"
)
BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) Mobile/15E148 Safari/604.1"


@pytest.fixture
def writer(warehouse: Warehouse) -> Iterator[BatchWriter]:
    with BatchWriter(WarehouseSink(warehouse), max_delay_ms=20) as opened:
        yield opened


def captured(warehouse: Warehouse, writer: BatchWriter) -> list[dict]:
    writer.flush(timeout=30)
    return warehouse.rows(
        "SELECT method, endpoint, status, user_id, session_id, request, response, user_agent, ip, "
        "referer, page_referrer, client_hints FROM pd.api_calls ORDER BY ts, endpoint"
    )


def starlette_shop() -> Starlette:
    async def add_to_cart(req: Request) -> JSONResponse:
        body = await req.json()
        req.scope.setdefault("state", {})["user_id"] = 42
        return JSONResponse({"cart_id": 7, "product_id": body["product_id"]}, status_code=201)

    async def catalog(req: Request) -> JSONResponse:
        return JSONResponse({"total": 0, "items": []})

    async def broken(req: Request) -> JSONResponse:
        raise RuntimeError("shop bug")

    async def home_page(req: Request) -> JSONResponse:
        return JSONResponse({"page": "not an API call"})

    return Starlette(
        routes=[
            Route("/api/v1/cart", add_to_cart, methods=["POST"]),
            Route("/api/v1/catalog", catalog),
            Route("/api/v1/broken", broken),
            Route("/", home_page),
        ]
    )


def test_asgi_middleware_records_a_real_call(warehouse: Warehouse, writer: BatchWriter) -> None:
    app = ApiCallASGIMiddleware(starlette_shop(), writer)
    with (
        serve_asgi(app) as url,
        httpx.Client(base_url=url, cookies={"session_id": "sess-asgi"}) as client,
    ):
        answer = client.post(
            "/api/v1/cart?ref=banner",
            json={"product_id": 123, "qty": 2},
            headers={
                "User-Agent": BROWSER,
                "Referer": "https://shop.example/product/123?utm_source=vk&utm_medium=cpc",
                "X-Page-Referrer": "https://vk.com/feed",
                "Sec-CH-UA-Mobile": "?0",
                "Sec-CH-UA-Platform": '"Android"',
                "Sec-CH-UA-Model": '"SM-X200"',
            },
        )
        assert answer.status_code == 201 and answer.json()["cart_id"] == 7
        client.get("/api/v1/catalog", params=[("material", "gold"), ("material", "silver")])
        client.get("/")  # outside /api/: not recorded
    rows = captured(warehouse, writer)
    assert len(rows) == 2
    cart, catalog = sorted(rows, key=lambda row: row["endpoint"])
    assert cart["method"] == "POST" and cart["status"] == 201
    assert cart["session_id"] == "sess-asgi" and cart["user_id"] == 42
    assert json.loads(cart["request"]) == {"ref": "banner", "product_id": 123, "qty": 2}
    assert json.loads(cart["response"]) == {"cart_id": 7, "product_id": 123}
    assert cart["user_agent"] == BROWSER and cart["ip"] == "127.0.0.1"
    assert cart["referer"] == "https://shop.example/product/123?utm_source=vk&utm_medium=cpc"
    assert cart["page_referrer"] == "https://vk.com/feed"
    assert json.loads(cart["client_hints"]) == {
        "mobile": "?0",
        "platform": "Android",
        "model": "SM-X200",
    }
    assert json.loads(catalog["request"]) == {"material": ["gold", "silver"]}
    assert (catalog["referer"], catalog["page_referrer"], catalog["client_hints"]) == ("", "", "")


def test_asgi_shop_error_is_recorded_and_still_raised(
    warehouse: Warehouse, writer: BatchWriter
) -> None:
    app = ApiCallASGIMiddleware(starlette_shop(), writer)
    with serve_asgi(app) as url:
        response = httpx.get(f"{url}/api/v1/broken", cookies={"session_id": "s"})
    assert response.status_code == 500
    assert [row["status"] for row in captured(warehouse, writer)] == [500]


class BrokenRecorder:
    def offer(self, record: dict) -> bool:
        raise RuntimeError("warehouse exploded")


def test_shop_keeps_working_when_recording_fails() -> None:
    app = ApiCallASGIMiddleware(starlette_shop(), BrokenRecorder())
    with serve_asgi(app) as url:
        response = httpx.get(f"{url}/api/v1/catalog")
    assert response.status_code == 200 and response.json() == {"total": 0, "items": []}


def flask_shop() -> Flask:
    shop = Flask("shop")

    @shop.post("/api/v1/favorites")
    def add_favorite():  # type: ignore[no-untyped-def]
        request.environ["loupe.user_id"] = 9
        return jsonify(ok=True, product_id=request.get_json()["product_id"])

    @shop.get("/api/v1/products/<int:product_id>")
    def product(product_id: int):  # type: ignore[no-untyped-def]
        g.seen = product_id
        return jsonify(id=product_id, price=199.0, stock=3)

    return shop


def test_wsgi_middleware_records_a_real_call(warehouse: Warehouse, writer: BatchWriter) -> None:
    shop = flask_shop()
    shop.wsgi_app = ApiCallWSGIMiddleware(  # type: ignore[method-assign]
        shop.wsgi_app, writer, CaptureOptions(session_header="X-Session-Id")
    )
    with serve_wsgi(shop) as url:
        headers = {"X-Session-Id": "sess-wsgi", "User-Agent": BROWSER, "Sec-CH-UA-Mobile": "?1"}
        posted = httpx.post(f"{url}/api/v1/favorites", json={"product_id": 5}, headers=headers)
        assert posted.json() == {"ok": True, "product_id": 5}
        httpx.get(f"{url}/api/v1/products/77", headers=headers)
    favorite, product = sorted(captured(warehouse, writer), key=lambda row: row["endpoint"])
    assert favorite["endpoint"] == "/api/v1/favorites" and favorite["user_id"] == 9
    assert json.loads(favorite["request"]) == {"product_id": 5}
    assert product["endpoint"] == "/api/v1/products/77" and product["user_id"] == 0
    assert orjson.loads(product["response"]) == {"id": 77, "price": 199.0, "stock": 3}
    assert {favorite["session_id"], product["session_id"]} == {"sess-wsgi"}
    assert {favorite["client_hints"], product["client_hints"]} == {'{"mobile":"?1"}'}


def test_a_call_with_client_hints_is_classified_by_them(
    warehouse: Warehouse, writer: BatchWriter, settings: Settings
) -> None:
    """An Android agent saying "Mobile", from a tablet by its hints; without hints a phone."""
    app = ApiCallASGIMiddleware(starlette_shop(), writer)
    hints = {"Sec-CH-UA-Mobile": "?0", "Sec-CH-UA-Platform": '"Android"'}
    with serve_asgi(app) as url:
        for session, extra in (("hinted", {**hints, "Sec-CH-UA-Model": '"SM-X200"'}), ("bare", {})):
            headers = {"User-Agent": REDUCED_ANDROID, **extra}
            httpx.get(f"{url}/api/v1/catalog", cookies={"session_id": session}, headers=headers)
    captured(warehouse, writer)
    [day] = warehouse.rows(
        "SELECT DISTINCT toDate(ts, {tz:String}) AS day FROM pd.api_calls",
        {"tz": settings.timezone},
    )
    build_day(warehouse, settings, day["day"])
    visits = warehouse.rows("SELECT session_id, device_type FROM dwh.sessions ORDER BY session_id")
    assert [(v["session_id"], v["device_type"]) for v in visits] == [
        ("bare", "mobile"),
        ("hinted", "tablet"),
    ]
