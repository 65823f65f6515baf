"""dwh.sessions.bot_reason: bots by their agent or by what they do (docs/etl.md), from
hand-written calls; an hourly run gives what a full build of the same calls gives."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from loupe.jobs.hourly import run_hourly
from loupe.jobs.run import build_day
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from tests.helpers.calls import DAY, GOOGLEBOT, at, call, iso, load
from tests.helpers.dwh import checksums, visits

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36"
)
NOON = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)


def reasons(warehouse: Warehouse) -> dict[str, tuple[str, int]]:
    """(bot_reason, is_bot) of each visit of DAY, by session."""
    return {v["session_id"]: (v["bot_reason"], v["is_bot"]) for v in visits(warehouse)}


def checks(count: int, every_ms: int, session: str = "monitor") -> list[dict]:
    """`count` home-page calls of one session, `every_ms` apart from noon."""
    return [
        call(iso(NOON + timedelta(milliseconds=every_ms * n)), session, user_agent=CHROME)
        for n in range(count)
    ]


def single_calls(count: int, ip: str, first: datetime = NOON, step_s: int = 5) -> list[dict]:
    """`count` product pages from `ip`, `step_s` apart, each a session of its own."""
    return [
        call(
            iso(first + timedelta(seconds=step_s * n)),
            f"c{first:%H%M%S}-{n}",
            endpoint=f"/api/v1/products/{n + 1}",
            response={"id": n + 1, "price": 100},
            user_agent=CHROME,
            ip=ip,
        )
        for n in range(count)
    ]


def test_machine_regular_calls_are_a_monitor(warehouse: Warehouse, settings: Settings) -> None:
    jittered = checks(12, 60_000, "jittered")
    # One gap 3 s longer than the others (5%): a person's clock is never that regular either,
    # but the rule asks for every gap within 2%.
    jittered[6]["ts"] = iso(NOON + timedelta(minutes=6, seconds=3))
    load(warehouse, checks(12, 60_000) + checks(11, 60_000, "short") + jittered)
    build_day(warehouse, settings, DAY)
    assert reasons(warehouse) == {
        "monitor": ("behaviour:regular_interval", 1),
        "short": ("", 0),
        "jittered": ("", 0),
    }


def test_paging_through_listings_without_a_product_is_a_sweep(
    warehouse: Warehouse, settings: Settings
) -> None:
    def sweep(session: str, pages: int) -> list[dict]:
        # Pages a few seconds to a minute apart: irregular, as a scraper that waits for pages.
        return [
            call(
                at(12, 2 * n, n * n % 41),
                session,
                endpoint="/api/v1/catalog",
                request={"section": "rings", "page": n + 1},
                response={"total": 500, "items": [{"id": n + 1, "price": 100}]},
                user_agent=CHROME,
            )
            for n in range(pages)
        ]

    product = call(at(12, 30), "viewer", endpoint="/api/v1/products/3", response={"id": 3})
    viewer = [*sweep("viewer", 12), product]
    load(warehouse, sweep("scraper", 12) + sweep("reader", 11) + viewer)
    build_day(warehouse, settings, DAY)
    assert reasons(warehouse) == {
        "scraper": ("behaviour:catalog_sweep", 1),
        "reader": ("", 0),
        "viewer": ("", 0),
    }


def test_many_single_call_visits_of_one_address_are_a_crawler(
    warehouse: Warehouse, settings: Settings
) -> None:
    crawler = single_calls(10, "198.51.100.0")
    # Nine from another address within the minute, and ten more spread over 20 minutes.
    fewer = single_calls(9, "192.0.2.0", NOON + timedelta(seconds=1))
    spread = single_calls(10, "203.0.113.0", NOON + timedelta(seconds=2), step_s=120)
    # An office: ten people on one address in the same minute, each keeping their session.
    office = [
        call(iso(NOON + timedelta(seconds=n, milliseconds=ms)), f"office-{n}", ip="198.51.100.0")
        for n in range(10)
        for ms in (0, 200)
    ]
    load(warehouse, crawler + fewer + spread + office)
    build_day(warehouse, settings, DAY)
    got = reasons(warehouse)
    assert {got[c["session_id"]] for c in crawler} == {("behaviour:cookieless_burst", 1)}
    assert {got[c["session_id"]] for c in fewer + spread + office} == {("", 0)}


def test_a_crawler_agent_is_the_reason_when_both_apply(
    warehouse: Warehouse, settings: Settings
) -> None:
    calls = checks(12, 60_000)
    for record in calls:
        record["user_agent"] = GOOGLEBOT
    load(warehouse, calls)
    build_day(warehouse, settings, DAY)
    assert reasons(warehouse) == {"monitor": ("user_agent", 1)}
    assert warehouse.scalar("SELECT sum(visits) FROM dwh.daily_funnel") == 0


def test_an_hourly_run_marks_the_visits_a_late_call_completes_a_burst_with(
    warehouse: Warehouse, settings: Settings
) -> None:
    """Nine single-call visits built, then the tenth arrives: the hourly run must rebuild the
    nine it does not touch, and it gives what a full build gives."""
    burst = single_calls(10, "198.51.100.0")
    other = [call(at(11, 0), "person"), call(at(11, 1), "person")]
    load(warehouse, burst[:9] + other)
    build_day(warehouse, settings, DAY)
    run_hourly(warehouse, settings)  # the first run takes what arrived so far
    assert {reason for reason, _ in reasons(warehouse).values()} == {""}
    load(warehouse, burst[9:])
    assert run_hourly(warehouse, settings).calls == 1
    got = reasons(warehouse)
    assert {got[c["session_id"]] for c in burst} == {("behaviour:cookieless_burst", 1)}
    assert got["person"] == ("", 0)
    after_hourly = checksums(warehouse)
    build_day(warehouse, settings, DAY)
    assert checksums(warehouse) == after_hourly
