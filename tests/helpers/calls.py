"""API-call records as the shop's middleware writes them, and loading them into the warehouse.

`api_call` is a valid record of the contract; `call` a hand-written call of one visit on `DAY`
(with `at` for its time); `listing`, `catalog`, `view`, `cart_add` and `favorite_add` the shop's
calls the field rules read; `visit_calls` a visit of catalog calls at any time; `load` writes
records through the real batch writer, each load received later than the one before
(`received_now`).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

from loupe.ingest.records import now_ms
from loupe.ingest.sinks import WarehouseSink
from loupe.ingest.writer import BatchWriter
from loupe.warehouse import Warehouse

DAY = date(2026, 11, 20)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def api_call(**overrides: object) -> dict:
    """A valid API-call record, as the contract describes it."""
    record = {
        "ts": "2026-11-20T10:15:30.123Z",
        "session_id": "sess-1",
        "user_id": None,
        "method": "GET",
        "endpoint": "/api/v1/catalog",
        "status": 200,
        "duration_ms": 35,
        "request": {"section": "rings", "page": 1},
        "response": {"total": 2, "items": [{"id": 1, "price": 100}, {"id": 2, "price": 120}]},
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
        "ip": "203.0.113.7",
        "referer": "https://shop.example/",
    }
    record.update(overrides)
    return record


def at(hour: int, minute: int = 0, second: int = 0, day: date = DAY) -> str:
    """A call time on `day` (UTC), as the record's `ts` writes it."""
    moment = datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=timezone.utc)
    return moment.isoformat().replace("+00:00", "Z")


def call(ts: str, session: str = "s1", **fields: object) -> dict:
    """A call of `session` at `ts` from an iPhone: the home page unless `fields` say otherwise."""
    defaults = {
        "event_id": str(uuid.uuid4()),
        "user_agent": IPHONE,
        "endpoint": "/api/v1/home",
        "request": {},
        "response": {},
    }
    return api_call(ts=ts, session_id=session, **{**defaults, **fields})


def listing(*product_ids: int) -> dict:
    """A catalog response listing `product_ids`."""
    return {"total": len(product_ids), "items": [{"id": id_, "price": 99} for id_ in product_ids]}


def catalog(minute: int, request: dict, response: dict | None = None) -> dict:
    """A catalog call at 12:`minute` (listing products 15 and 16 unless `response` is given)."""
    response = listing(15, 16) if response is None else response
    return call(at(12, minute), endpoint="/api/v1/catalog", request=request, response=response)


def cart_add(minute: int, product_id: int, status: int = 200) -> dict:
    """A cart add at 12:`minute`, refused as out of stock when `status` is an error."""
    response = {"product_id": product_id, "qty": 1, "price": 99}
    return call(
        at(12, minute),
        method="POST",
        endpoint="/api/v1/cart",
        status=status,
        request={"product_id": product_id, "qty": 1},
        response=response if status < 400 else {"error": "out_of_stock", "stock": 0},
    )


def view(minute: int, product_id: int, price: int = 99) -> dict:
    """A product page opened at 12:`minute`."""
    return call(
        at(12, minute),
        endpoint=f"/api/v1/products/{product_id}",
        response={"id": product_id, "price": price},
    )


def favorite_add(ts: str, product_id: int = 7, session: str = "s1") -> dict:
    """A product added to the favorites at `ts`."""
    return call(
        ts,
        session=session,
        method="POST",
        endpoint="/api/v1/favorites",
        request={"product_id": product_id},
        response={"product_id": product_id},
    )


def iso(moment: datetime) -> str:
    """`moment` in UTC with milliseconds, as the record's `ts` writes it."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def visit_calls(start: datetime, session: str, calls: int = 3) -> list[dict]:
    """A visit: `calls` catalog calls one minute apart from `start`."""
    return [
        api_call(
            ts=iso(start + timedelta(minutes=n)), session_id=session, event_id=str(uuid.uuid4())
        )
        for n in range(calls)
    ]


class ReceivingClock:
    """`received_at` of the tests' deliveries: the wall clock in milliseconds, yet always later
    than the previous delivery, so the hourly run's watermark sees each load as new."""

    def __init__(self) -> None:
        self._last = 0

    def __call__(self) -> int:
        self._last = max(self._last + 1, now_ms())
        return self._last

    def instant(self) -> datetime:
        """The next delivery's `received_at` as an instant (for calls delivered by SQL)."""
        return datetime.fromtimestamp(self() / 1000, tz=timezone.utc)


received_now = ReceivingClock()


def load(warehouse: Warehouse, records: list[dict]) -> None:
    """Write `records` through the real batch writer and wait until they are stored."""
    with BatchWriter(WarehouseSink(warehouse), received_clock=received_now) as writer:
        writer.add_many(records).result(timeout=60)
