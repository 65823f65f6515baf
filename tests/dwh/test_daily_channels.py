"""dwh.daily_channels: the day's visits by channel, tags and device (docs/acquisition.md), from
hand-written calls."""

from __future__ import annotations

from loupe.jobs.run import build_day
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from tests.helpers.calls import DAY, GOOGLEBOT, at, call, load, view

SHOP = "https://shop.example"
TAGGED = f"{SHOP}/?utm_source=Newsletter&utm_medium=email&utm_campaign=Winter"


def order(minute: int, session: str, total: int) -> dict:
    """A successful order at 12:`minute` of `session`."""
    return call(
        at(12, minute),
        session,
        method="POST",
        endpoint="/api/v1/orders",
        request={"items": [{"product_id": 7, "qty": 1, "price": total}]},
        response={"order_id": minute, "total": total},
    )


def test_visits_bounces_and_orders_by_channel_and_campaign(
    warehouse: Warehouse, settings: Settings
) -> None:
    calls = [
        # Two newsletter visits: one bounces, one views a product and orders twice.
        call(at(9), "a", referer=TAGGED),
        call(at(12), "b", referer=TAGGED),
        {**view(1, 7), "session_id": "b"},
        order(2, "b", 300),
        order(3, "b", 200),
        # A direct visit that bounces, and a crawler (bots are left out).
        call(at(10), "c", referer=f"{SHOP}/", page_referrer=""),
        call(at(10), "bot", referer="", user_agent=GOOGLEBOT),
    ]
    load(warehouse, calls)
    build_day(warehouse, settings, DAY)
    rows = warehouse.rows(
        "SELECT channel, utm_source, utm_campaign, device_type, visits, bounces, "
        "visits_with_order, orders, revenue FROM dwh.daily_channels "
        "WHERE date = {day:Date} ORDER BY channel",
        {"day": DAY},
    )
    assert rows == [
        {
            "channel": "direct",
            "utm_source": "",
            "utm_campaign": "",
            "device_type": "mobile",
            "visits": 1,
            "bounces": 1,
            "visits_with_order": 0,
            "orders": 0,
            "revenue": 0.0,
        },
        {
            "channel": "email",
            "utm_source": "newsletter",
            "utm_campaign": "winter",
            "device_type": "mobile",
            "visits": 2,
            "bounces": 1,
            "visits_with_order": 1,
            "orders": 2,
            "revenue": 500.0,
        },
    ]
