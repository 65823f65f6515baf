"""dwh.daily_funnel: visits per day, device and user type at each step of the funnel, bots left
out (docs/etl.md)."""

from __future__ import annotations

from loupe.jobs.run import build_day
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from tests.helpers.calls import (
    DAY,
    GOOGLEBOT,
    at,
    call,
    load,
)
from tests.helpers.dwh import visits


def test_bots_are_flagged_and_left_out_of_the_funnel(
    warehouse: Warehouse, settings: Settings
) -> None:
    load(
        warehouse,
        [
            call(at(8), session="bot", user_agent=GOOGLEBOT, endpoint="/api/v1/products/1"),
            call(at(8), session="human", endpoint="/api/v1/products/1"),
        ],
    )
    build_day(warehouse, settings, DAY)
    by_session = {v["session_id"]: v for v in visits(warehouse)}
    assert by_session["bot"]["is_bot"] == 1 and by_session["bot"]["device_type"] == "bot"
    assert by_session["human"]["device_type"] == "mobile" and by_session["human"]["is_bot"] == 0
    assert warehouse.scalar("SELECT sum(visits) FROM dwh.daily_funnel") == 1
