"""dwh.sessions: one row per visit (docs/etl.md), from hand-written calls."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from loupe.jobs.hourly import run_hourly
from loupe.jobs.run import build_day
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from tests.helpers.calls import (
    DAY,
    at,
    call,
    favorite_add,
    load,
)
from tests.helpers.dwh import visits


@pytest.mark.parametrize(("gap_minutes", "expected_visits"), [(29, 1), (30, 1), (31, 2)])
def test_inactivity_splits_visits(
    warehouse: Warehouse, settings: Settings, gap_minutes: int, expected_visits: int
) -> None:
    load(warehouse, [call(at(10)), call(at(10, gap_minutes))])
    build_day(warehouse, settings, DAY)
    assert len(visits(warehouse)) == expected_visits


def test_visit_crossing_midnight_belongs_to_its_first_day(
    warehouse: Warehouse, settings: Settings
) -> None:
    next_day = DAY + timedelta(days=1)
    load(
        warehouse, [call(at(23, 50)), call(at(0, 10, day=next_day)), call(at(0, 20, day=next_day))]
    )
    build_day(warehouse, settings, DAY)
    build_day(warehouse, settings, next_day)
    [visit] = visits(warehouse)
    assert visit["calls"] == 3 and visit["duration_s"] == 30 * 60
    assert visits(warehouse, next_day) == []


def test_visits_are_capped_at_24_hours(warehouse: Warehouse, settings: Settings) -> None:
    start = datetime(2026, 11, 20, 0, 0, tzinfo=timezone.utc)
    stamps = [start + timedelta(minutes=20 * n) for n in range(76)]  # 25 hours, 20-minute gaps
    load(warehouse, [call(s.isoformat().replace("+00:00", "Z")) for s in stamps])
    build_day(warehouse, settings, DAY)
    build_day(warehouse, settings, DAY + timedelta(days=1))
    first, second = visits(warehouse)[0], visits(warehouse, DAY + timedelta(days=1))[0]
    assert first["calls"] == 72 and second["calls"] == 4


def test_duplicate_and_failed_calls(warehouse: Warehouse, settings: Settings) -> None:
    view = call(at(9), endpoint="/api/v1/products/7", response={"id": 7, "price": 100})
    failed_add = call(
        at(9, 1),
        method="POST",
        endpoint="/api/v1/cart",
        status=500,
        request={"product_id": 7, "qty": 1},
        response={"error": "server_error"},
    )
    retried_add = call(
        at(9, 2),
        method="POST",
        endpoint="/api/v1/cart",
        status=200,
        request={"product_id": 7, "qty": 2},
        response={"product_id": 7, "qty": 2, "price": 100},
    )
    load(warehouse, [view, view, failed_add, retried_add])  # the view is delivered twice
    build_day(warehouse, settings, DAY)
    [visit] = visits(warehouse)
    assert (visit["calls"], visit["product_views"], visit["cart_adds"], visit["errors"]) == (
        3,
        1,
        1,
        1,
    )
    [product] = warehouse.rows("SELECT * FROM dwh.product_sessions")
    assert (product["views"], product["cart_adds"], product["price_at_view"]) == (1, 2, 100)
    assert product["source"] == "direct"


def test_business_day_follows_the_timezone(warehouse: Warehouse, settings: Settings) -> None:
    moscow = settings.model_copy(update={"timezone": "Europe/Moscow"})
    load(warehouse, [call(at(22, 30))])  # 01:30 on the next day in Moscow
    build_day(warehouse, moscow, DAY)
    build_day(warehouse, moscow, DAY + timedelta(days=1))
    assert visits(warehouse) == []
    assert len(visits(warehouse, DAY + timedelta(days=1))) == 1


@pytest.mark.slow
def test_late_calls_inside_and_outside_the_lookback(
    warehouse: Warehouse, settings: Settings
) -> None:
    load(warehouse, [call(at(20), session="a"), call(at(21), session="b")])
    first = run_hourly(warehouse, settings)
    assert first.calls == 2 and len(visits(warehouse)) == 2
    load(warehouse, [call(at(16), session="late")])  # 5 h behind the newest call: inside 6 h
    assert run_hourly(warehouse, settings).calls == 1
    assert {v["session_id"] for v in visits(warehouse)} == {"a", "b", "late"}
    load(warehouse, [call(at(9), session="very-late")])  # 12 h behind: outside the lookback
    assert run_hourly(warehouse, settings).calls == 0
    assert "very-late" not in {v["session_id"] for v in visits(warehouse)}
    build_day(warehouse, settings, DAY)  # the nightly re-run of the date picks it up
    assert "very-late" in {v["session_id"] for v in visits(warehouse)}


def test_returning_visits(warehouse: Warehouse, settings: Settings) -> None:
    next_day = DAY + timedelta(days=1)
    load(
        warehouse,
        [
            call(at(9), session="s1"),
            call(at(11), session="s1"),  # a second visit of the same session
            call(at(10), session="s2", user_id=7),
            call(at(10, day=next_day), session="s3", user_id=7),  # the same user, a new browser
            call(at(12, day=next_day), session="s4"),
        ],
    )
    build_day(warehouse, settings, DAY)
    build_day(warehouse, settings, next_day)
    returning = {
        (v["session_id"], v["start_ts"].hour): v["is_returning"]
        for day in (DAY, next_day)
        for v in visits(warehouse, day)
    }
    assert returning == {("s1", 9): 0, ("s1", 11): 1, ("s2", 10): 0, ("s3", 10): 1, ("s4", 12): 0}


def test_returning_follows_rebuilt_days_and_a_refilled_lookup(
    warehouse: Warehouse, settings: Settings
) -> None:
    next_day = DAY + timedelta(days=1)
    load(warehouse, [call(at(9), session="s1"), call(at(9, day=next_day), session="s1")])
    build_day(warehouse, settings, DAY)
    build_day(warehouse, settings, next_day)
    assert [v["is_returning"] for v in visits(warehouse, next_day)] == [1]
    # etl.visitors emptied (a staging table may be recreated): refilled from dwh.sessions.
    warehouse.command("TRUNCATE TABLE etl.visitors")
    build_day(warehouse, settings, next_day)
    assert [v["is_returning"] for v in visits(warehouse, next_day)] == [1]
    # The first day's call withdrawn and the day rebuilt: the session is new on the next day.
    warehouse.command(
        "DELETE FROM pd.api_calls WHERE ts < {d:DateTime64(3, 'UTC')}", {"d": next_day}
    )
    build_day(warehouse, settings, DAY)
    build_day(warehouse, settings, next_day)
    assert visits(warehouse) == []
    assert [v["is_returning"] for v in visits(warehouse, next_day)] == [0]


def test_a_bounce_is_a_visit_without_actions_and_a_400_is_an_error(
    warehouse: Warehouse, settings: Settings
) -> None:
    def bad_request(session: str) -> dict:
        return call(at(9, 2), session=session, method="POST", endpoint="/api/v1/cart", status=400)

    load(
        warehouse,
        [
            call(at(9), session="home-only"),
            bad_request("home-only"),
            favorite_add(at(9, 1), session="favorites-only"),
            bad_request("favorites-only"),
        ],
    )
    build_day(warehouse, settings, DAY)
    rows = warehouse.rows(
        "SELECT session_id, calls, errors, cart_adds, favorite_adds, is_bounce FROM dwh.sessions "
        "ORDER BY session_id"
    )
    assert [tuple(row.values()) for row in rows] == [
        ("favorites-only", 2, 1, 0, 1, 0),
        ("home-only", 2, 1, 0, 0, 1),
    ]


def test_registered_in_visit_is_a_registration_not_a_login(
    warehouse: Warehouse, settings: Settings
) -> None:
    def auth(session: str, action: str, user_id: int, status: int = 200) -> list[dict]:
        response = {"user_id": user_id} if status < 400 else {"error": "server_error"}
        attempt = call(
            at(10),
            session=session,
            method="POST",
            endpoint=f"/api/v1/auth/{action}",
            request={"email": f"{session}@example.com"},
            response=response,
            status=status,
        )
        after = call(at(10, 1), session=session, user_id=user_id if status < 400 else None)
        return [attempt, after]

    load(
        warehouse,
        auth("logs-in", "login", 5)
        + auth("registers", "register", 6)
        # A registration that failed: the visit stays a guest's.
        + auth("fails", "register", 7, status=500),
    )
    build_day(warehouse, settings, DAY)
    rows = warehouse.rows(
        "SELECT session_id, user_id, user_type, registered_in_visit FROM dwh.sessions "
        "ORDER BY session_id"
    )
    assert [tuple(row.values()) for row in rows] == [
        ("fails", 0, "guest", 0),
        ("logs-in", 5, "registered", 0),
        ("registers", 6, "registered", 1),
    ]


def test_a_visit_keeps_its_last_known_user_after_a_logout(
    warehouse: Warehouse, settings: Settings
) -> None:
    load(warehouse, [call(at(10)), call(at(10, 1), user_id=5), call(at(10, 2), user_id=None)])
    build_day(warehouse, settings, DAY)
    [visit] = warehouse.rows("SELECT user_id, user_type FROM dwh.sessions")
    assert (visit["user_id"], visit["user_type"]) == (5, "registered")


def test_entry_exit_and_device_come_from_the_visits_first_and_last_calls(
    warehouse: Warehouse, settings: Settings
) -> None:
    desktop = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
    )
    load(
        warehouse,
        [
            call(at(10), endpoint="/api/v1/home"),  # the iPhone's user agent
            call(at(10, 1), endpoint="/api/v1/catalog", request={"section": "rings"}),
            call(at(10, 2), endpoint="/api/v1/products/7", user_agent=desktop),
        ],
    )
    build_day(warehouse, settings, DAY)
    [visit] = warehouse.rows("SELECT * FROM dwh.sessions")
    assert (visit["entry_endpoint"], visit["exit_endpoint"]) == (
        "/api/v1/home",
        "/api/v1/products/7",
    )
    assert (visit["device_type"], visit["os"]) == ("mobile", "iOS")
