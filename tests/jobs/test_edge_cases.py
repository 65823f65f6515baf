"""Hand-written calls for the cases a simulator run may not pin down."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from loupe.ingest.middleware import ApiCallASGIMiddleware
from loupe.ingest.sinks import WarehouseSink
from loupe.ingest.writer import BatchWriter
from loupe.jobs.hourly import run_hourly
from loupe.jobs.run import build_day, build_days, drop_old_parsed_days
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from tests.conftest import api_call, serve_asgi

DAY = date(2026, 11, 20)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def at(hour: int, minute: int = 0, second: int = 0, day: date = DAY) -> str:
    moment = datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=timezone.utc)
    return moment.isoformat().replace("+00:00", "Z")


def call(ts: str, session: str = "s1", **fields: object) -> dict:
    defaults = {
        "event_id": str(uuid.uuid4()),
        "user_agent": IPHONE,
        "endpoint": "/api/v1/home",
        "request": {},
        "response": {},
    }
    return api_call(ts=ts, session_id=session, **{**defaults, **fields})


def load(warehouse: Warehouse, records: list[dict]) -> None:
    with BatchWriter(WarehouseSink(warehouse)) as writer:
        writer.add_many(records).result(timeout=30)


def visits(warehouse: Warehouse, day: date = DAY) -> list[dict]:
    return warehouse.rows(
        "SELECT * FROM dwh.sessions WHERE date = {day:Date} ORDER BY start_ts", {"day": day}
    )


@contextmanager
def table_away(warehouse: Warehouse, table: str) -> Iterator[None]:
    """Make every statement on `table` fail (it is renamed away) for the duration."""
    warehouse.command(f"RENAME TABLE {table} TO {table}_away")
    try:
        yield
    finally:
        warehouse.command(f"RENAME TABLE {table}_away TO {table}")


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


def test_business_day_follows_the_timezone(warehouse: Warehouse, settings: Settings) -> None:
    moscow = settings.model_copy(update={"timezone": "Europe/Moscow"})
    load(warehouse, [call(at(22, 30))])  # 01:30 on the next day in Moscow
    build_day(warehouse, moscow, DAY)
    build_day(warehouse, moscow, DAY + timedelta(days=1))
    assert visits(warehouse) == []
    assert len(visits(warehouse, DAY + timedelta(days=1))) == 1


def test_search_click_position_and_refinement(warehouse: Warehouse, settings: Settings) -> None:
    results = {"total": 30, "items": [{"id": 10 + n, "price": 99} for n in range(24)]}
    load(
        warehouse,
        [
            call(
                at(12), endpoint="/api/v1/catalog", request={"q": "  Gold  RING "}, response=results
            ),
            call(
                at(12, 1),
                endpoint="/api/v1/catalog",
                request={"q": "gold ring", "metal": ["585"], "page": 2},
                response=results,
            ),
            call(at(12, 2), endpoint="/api/v1/products/15", response={"id": 15, "price": 99}),
            call(
                at(12, 3),
                method="POST",
                endpoint="/api/v1/cart",
                request={"product_id": 15, "qty": 1},
            ),
            call(
                at(12, 4),
                endpoint="/api/v1/catalog",
                request={"q": "кольцо"},
                response={"total": 0, "items": []},
            ),
        ],
    )
    build_day(warehouse, settings, DAY)
    rows = warehouse.rows("SELECT * FROM dwh.catalog_sessions ORDER BY seq")
    assert [r["q"] for r in rows] == ["gold ring", "gold ring", "кольцо"]
    assert [r["is_refinement"] for r in rows] == [0, 1, 0]
    assert (rows[1]["clicked_product_id"], rows[1]["clicked_position"]) == (15, 24 + 6)
    assert rows[1]["led_to_cart"] == 1 and rows[0]["clicked_product_id"] == 0
    assert rows[2]["is_zero_result"] == 1
    [product] = warehouse.rows("SELECT * FROM dwh.product_sessions")
    assert (product["source"], product["list_position"]) == ("search", 30)


def test_late_calls_inside_and_outside_the_lookback(
    warehouse: Warehouse, settings: Settings
) -> None:
    load(warehouse, [call(at(20), session="a"), call(at(21), session="b")])
    first = run_hourly(warehouse, settings)
    assert first.calls == 2 and len(visits(warehouse)) == 2
    time.sleep(0.01)  # later calls are received later (received_at has millisecond precision)
    load(warehouse, [call(at(16), session="late")])  # 5 h behind the newest call: inside 6 h
    assert run_hourly(warehouse, settings).calls == 1
    assert {v["session_id"] for v in visits(warehouse)} == {"a", "b", "late"}
    time.sleep(0.01)
    load(warehouse, [call(at(9), session="very-late")])  # 12 h behind: outside the lookback
    assert run_hourly(warehouse, settings).calls == 0
    assert "very-late" not in {v["session_id"] for v in visits(warehouse)}
    build_day(warehouse, settings, DAY)  # the nightly re-run of the date picks it up
    assert "very-late" in {v["session_id"] for v in visits(warehouse)}


def test_failed_build_leaves_dwh_as_it_was(warehouse: Warehouse, settings: Settings) -> None:
    load(warehouse, [call(at(10))])
    build_day(warehouse, settings, DAY)
    before = visits(warehouse)
    load(warehouse, [call(at(11), session="new")])
    with (
        table_away(warehouse, "etl.product_sessions"),
        pytest.raises(Exception, match="product_sessions"),
    ):
        build_day(warehouse, settings, DAY)
    assert visits(warehouse) == before  # sessions were staged, but nothing was swapped
    failed = warehouse.rows("SELECT job, error FROM etl.job_runs WHERE status = 'failed'")
    assert failed and failed[0]["job"] == "product_sessions"


def test_each_job_of_a_day_build_is_recorded(warehouse: Warehouse, settings: Settings) -> None:
    load(warehouse, [call(at(10)), call(at(10, 5)), call(at(12), session="s2")])
    results = build_day(warehouse, settings, DAY)
    runs = warehouse.rows(
        "SELECT job, rows_written, range_start, run_id FROM etl.job_runs WHERE status = 'success'"
    )
    assert sorted((r["job"], r["rows_written"]) for r in runs) == sorted(
        (r.job, r.rows) for r in results
    )
    assert ("sessions", 2) in [(r.job, r.rows) for r in results]
    assert {r["range_start"] for r in runs} == {DAY}
    assert len({r["run_id"] for r in runs}) == len(runs)


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


def test_builds_keep_the_parsed_calls_of_recent_days_only(
    warehouse: Warehouse, settings: Settings
) -> None:
    days = [DAY - timedelta(days=9), DAY - timedelta(days=1), DAY]
    load(warehouse, [call(at(10, day=day), session=f"s-{day}") for day in days])
    assert settings.etl_parsed_calls_days == 7
    build_days(warehouse, settings, days)
    parsed = warehouse.rows("SELECT DISTINCT date FROM etl.visit_calls ORDER BY date")
    assert [row["date"] for row in parsed] == days[1:]  # 9 days before the newest: dropped
    built = warehouse.rows("SELECT DISTINCT date FROM dwh.sessions ORDER BY date")
    assert [row["date"] for row in built] == days  # the analytical tables keep every day
    assert drop_old_parsed_days(warehouse, 1) == []
    assert drop_old_parsed_days(warehouse, 0) == [DAY - timedelta(days=1)]


def test_a_catalog_call_recorded_from_its_query_string(
    warehouse: Warehouse, settings: Settings
) -> None:
    """Loupe's middleware records a GET's query string as it comes: a filter chosen once is a
    string, a repeated one a list, numbers are text. The catalog row reads them all."""

    async def catalog(request: Request) -> JSONResponse:
        return JSONResponse({"total": 30, "items": [{"id": n, "price": 99} for n in range(48)]})

    shop = Starlette(routes=[Route("/api/v1/catalog", catalog)])
    query = (
        "q=Gold+Ring&material=gold&metal=585&metal=750&stone=&page=2&per_page=48"
        "&price_min=1000&sort=price_asc"
    )
    with BatchWriter(WarehouseSink(warehouse), max_delay_ms=20) as writer:
        with serve_asgi(ApiCallASGIMiddleware(shop, writer)) as url:
            answer = httpx.get(
                f"{url}/api/v1/catalog?{query}",
                cookies={"session_id": "s-1"},
                headers={"User-Agent": IPHONE},
            )
            assert answer.status_code == 200
        writer.flush(timeout=30)
    assert warehouse.scalar("SELECT any(request) FROM pd.api_calls").startswith('{"q":"Gold Ring"')
    build_day(warehouse, settings, warehouse.scalar("SELECT toDate(max(ts)) FROM pd.api_calls"))
    [row] = warehouse.rows("SELECT * FROM dwh.catalog_sessions")
    assert (row["q"], row["is_search"], row["sort"]) == ("gold ring", 1, "price_asc")
    assert (row["material"], row["metal"], row["stone"]) == (["gold"], ["585", "750"], [])
    assert (row["page"], row["per_page"], row["price_min"]) == (2, 48, 1000)
