"""The data audits: all pass on simulated days, and each one catches the break it names."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from loupe.errors import LoupeError
from loupe.jobs.audit import (
    all_audits,
    failure_summary,
    parse_audit,
    run_audits,
    select_audits,
)
from loupe.jobs.run import build_day, days_between
from loupe.settings import Settings, load_settings
from loupe.warehouse import Warehouse
from tests.helpers.builds import built_warehouse
from tests.helpers.simulation import simulate

pytestmark = pytest.mark.slow  # simulated days built, each audit broken and the day rebuilt

FIRST, LAST = date(2026, 11, 19), date(2026, 11, 21)
DAY = date(2026, 11, 20)


def change_one(table: str, change: str, key: str = "visit_id") -> str:
    """A mutation of the rows of DAY with the smallest `key` (run synchronously)."""
    return (
        f"ALTER TABLE dwh.{table} {change} WHERE date = {{day:Date}} AND {key} = "
        f"(SELECT min({key}) FROM dwh.{table} WHERE date = {{day:Date}}) "
        "SETTINGS mutations_sync = 2"
    )


def copy_one(table: str) -> str:
    """A second copy of one row of DAY."""
    return (
        f"INSERT INTO dwh.{table} SELECT * FROM dwh.{table} WHERE date = {{day:Date}} "
        "ORDER BY visit_id LIMIT 1"
    )


def price_change_row(old_price: int, views: int, copies: int = 1) -> str:
    """`copies` rows of dwh.price_changes on DAY (changed that day, offset 0): the runs here
    have no history, so the table is empty until a break adds to it."""
    return (
        "INSERT INTO dwh.price_changes SELECT 7, toDateTime64({day:Date}, 3, 'UTC'), "
        f"{old_price}, 100, 0, {views}, 0, 0 FROM numbers({copies})"
    )


# One statement per audit that breaks its rule on DAY; the day is rebuilt after each case.
BREAKS = {
    "sessions_one_row_per_visit": copy_one("sessions"),
    "sessions_fields_agree": change_one("sessions", "UPDATE duration_s = duration_s + 1"),
    "catalog_sessions_fields_agree": change_one(
        "catalog_sessions", "UPDATE is_zero_result = NOT is_zero_result"
    ),
    "catalog_sessions_match_their_visit": change_one("catalog_sessions", "DELETE"),
    "product_sessions_one_row_per_product": copy_one("product_sessions"),
    "product_sessions_fields_agree": change_one("product_sessions", "UPDATE source = 'elsewhere'"),
    "product_sessions_match_their_visit": change_one(
        "product_sessions", "UPDATE views = views + 1"
    ),
    "daily_funnel_matches_sessions": change_one(
        "daily_funnel", "UPDATE visits = visits + 1", key="user_type"
    ),
    "daily_product_stats_match_product_sessions": change_one(
        "daily_product_stats", "UPDATE revenue = revenue + 0.01", key="product_id"
    ),
    "daily_search_stats_match_catalog_sessions": change_one(
        "daily_search_stats", "UPDATE clicks = clicks + 1", key="q"
    ),
    "search_gaps_match_catalog_sessions": change_one(
        "search_gaps", "UPDATE no_click = searches + 1", key="material"
    ),
    "daily_promos_match_sessions": change_one("daily_promos", "UPDATE discount = -1", key="promo"),
    "daily_item_demand_fields_agree": change_one(
        "daily_item_demand", "UPDATE visits_out_of_stock = views_out_of_stock + 1", key="item_id"
    ),
    "daily_item_demand_matches_product_sessions": change_one(
        "daily_item_demand", "UPDATE views = views + 1", key="item_id"
    ),
    "cart_events_match_sessions": (
        "ALTER TABLE dwh.cart_events DELETE WHERE date = {day:Date} AND event = 'add' "
        "AND visit_id = (SELECT min(visit_id) FROM dwh.cart_events "
        "WHERE date = {day:Date} AND event = 'add') SETTINGS mutations_sync = 2"
    ),
    # dwh.carts has no day: the break hits an episode that started on DAY.
    "carts_fields_agree": (
        "ALTER TABLE dwh.carts UPDATE units = 0 WHERE cart_key = (SELECT min(cart_key) "
        "FROM dwh.carts WHERE toDate(episode_start) = {day:Date}) "
        "AND toDate(episode_start) = {day:Date} SETTINGS mutations_sync = 2"
    ),
    "price_changes_fields_agree": price_change_row(old_price=100, views=0),
    "price_changes_one_row_per_offset": price_change_row(old_price=120, views=0, copies=2),
    "price_changes_match_daily_product_stats": price_change_row(old_price=120, views=10**6),
}


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    base = tmp_path_factory.mktemp("audits_warehouse")
    return load_settings(data_dir=base / "wh", spool_dir=base / "spool", production_url="")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, settings: Settings) -> Iterator[Warehouse]:
    """Three simulated days ingested and built."""
    run = simulate(tmp_path_factory.mktemp("audits_run"))
    with built_warehouse(settings, Path(run.out_dir), FIRST, LAST) as warehouse:
        yield warehouse


def test_every_audit_has_a_case_here() -> None:
    assert sorted(BREAKS) == sorted(all_audits())


def test_every_audit_passes_on_built_days(built: Warehouse, settings: Settings) -> None:
    results = run_audits(built, settings, days_between(FIRST, LAST))
    assert len(results) == 3 * len(all_audits())
    assert failure_summary(results) == ""
    assert all(result.passed and not result.sample for result in results)


@pytest.mark.parametrize("audit", sorted(BREAKS))
def test_each_audit_catches_its_break(built: Warehouse, settings: Settings, audit: str) -> None:
    [before] = run_audits(built, settings, [DAY], [audit])
    assert before.passed
    built.command(BREAKS[audit], {"day": DAY})
    try:
        [after] = run_audits(built, settings, [DAY], [audit])
        assert after.offending_rows >= 1 and after.sample
        assert failure_summary([after]) == f"{audit} on {DAY}: {after.offending_rows} rows"
        other_day = run_audits(built, settings, [LAST], [audit])
        assert other_day[0].passed  # the audit reads its own day only
    finally:
        build_day(built, settings, DAY)  # a rebuild restores the day
    [healed] = run_audits(built, settings, [DAY], [audit])
    assert healed.passed


def test_unknown_audit_is_an_error() -> None:
    with pytest.raises(LoupeError, match="unknown audits \\['nope'\\]"):
        select_audits(["sessions_fields_agree", "nope"])


def test_an_audit_file_starts_with_what_it_checks() -> None:
    assert all(
        audit.description and audit.sql.startswith("-- audit:") for audit in all_audits().values()
    )
    with pytest.raises(LoupeError, match=r"headless\.sql must start with a"):
        parse_audit("headless", "SELECT 1")
