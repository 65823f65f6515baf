"""The ETL against the simulator's ground truth: every figure must match exactly."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta, timezone
from pathlib import Path

import pytest

from loupe.jobs.channels import CHANNELS
from loupe.jobs.hourly import run_hourly
from loupe.jobs.run import build_days, days_between
from loupe.settings import Settings, load_settings
from loupe.simulate.sources import NO_ORDER_CAMPAIGN
from loupe.warehouse import Warehouse
from tests.helpers.builds import built_warehouse
from tests.helpers.dwh import DWH_TABLES, checksums
from tests.helpers.simulation import Run, simulate

pytestmark = pytest.mark.slow  # simulated days built

FIRST, LAST = date(2026, 11, 19), date(2026, 11, 21)


def iso(moment) -> str:  # type: ignore[no-untyped-def]
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    # Server errors 25 times as often as the default, so that some orders fail; a draw in which
    # orders use every promo code (and one is refused) and visitors refine a listing by two
    # materials (a list filter of several values).
    return simulate(tmp_path_factory.mktemp("etl_truth"), server_error_rate=0.1, seed=1)


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    base = tmp_path_factory.mktemp("etl_warehouse")
    return load_settings(data_dir=base / "wh", spool_dir=base / "spool", production_url="")


@pytest.fixture(scope="module")
def built(run: Run, settings: Settings) -> Iterator[Warehouse]:
    """The simulated calls ingested and every day built (a day before and after included)."""
    with built_warehouse(settings, Path(run.out_dir), FIRST, LAST) as warehouse:
        yield warehouse


def test_every_visit_matches_truth(built: Warehouse, run: Run) -> None:
    truth = {(v["session_id"], v["visit_start"]): v for v in run.truth("visits.ndjson")}
    got = {
        (r["session_id"], iso(r["start_ts"])): r for r in built.rows("SELECT * FROM dwh.sessions")
    }
    assert set(got) == set(truth)
    counted = (
        "calls",
        "catalog_calls",
        "searches",
        "zero_result_searches",
        "product_views",
        "favorite_adds",
        "cart_adds",
        "orders",
        "revenue",
    )
    for key, expected in truth.items():
        row = got[key]
        assert {name: row[name] for name in counted} == {name: expected[name] for name in counted}
        assert row["device_type"] == expected["device_type"], key
        assert bool(row["is_bot"]) == expected["is_bot"], key
        assert row["bot_reason"] == expected["bot_reason"], key
        assert row["user_type"] == ("registered" if expected["is_registered"] else "guest"), key
        assert iso(row["end_ts"]) == expected["visit_end"]
        assert str(row["date"]) == expected["date"]


ACQUISITION = (
    "landing_url",
    "referrer_host",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "utm_term",
    "click_id_type",
    "channel",
)


def test_every_visits_source_matches_truth(built: Warehouse, run: Run) -> None:
    """Channel, referrer, tags and click id of every visit, as the simulator says they are."""
    truth = {(v["session_id"], v["visit_start"]): v for v in run.truth("visits.ndjson")}
    columns = ", ".join(ACQUISITION)
    rows = built.rows(f"SELECT session_id, start_ts, {columns} FROM dwh.sessions")
    got = {(r["session_id"], iso(r["start_ts"])): r for r in rows}
    assert set(got) == set(truth)
    for key, expected in truth.items():
        assert {name: got[key][name] for name in ACQUISITION} == {
            name: expected[name] for name in ACQUISITION
        }, key
    channels = {v["channel"] for v in truth.values()}
    assert channels == set(CHANNELS)  # every channel is exercised
    no_order = [v for v in truth.values() if v["utm_campaign"] == NO_ORDER_CAMPAIGN]
    assert no_order and not any(v["orders"] for v in no_order)


def test_daily_channels_are_sums_over_truth(built: Warehouse, run: Run) -> None:
    keys = ("date", "channel", "utm_source", "utm_medium", "utm_campaign", "device_type")
    expected: dict[tuple, list] = {}
    for visit in run.truth("visits.ndjson"):
        if visit["is_bot"]:
            continue
        sums = expected.setdefault(tuple(visit[k] for k in keys), [0, 0, 0, 0])
        sums[0] += 1
        sums[1] += visit["orders"] > 0
        sums[2] += visit["orders"]
        sums[3] += visit["revenue"]
    rows = built.rows(
        "SELECT toString(date) AS date, channel, utm_source, utm_medium, utm_campaign, "
        "device_type, visits, visits_with_order, orders, revenue FROM dwh.daily_channels"
    )
    got = {tuple(r[k] for k in keys): [r["visits"], r["visits_with_order"], r["orders"],
                                       r["revenue"]] for r in rows}  # fmt: skip
    assert got == expected


def test_product_sessions_match_truth(built: Warehouse, run: Run) -> None:
    truth = {
        (v["session_id"], v["visit_start"], v["product_id"]): v
        for v in run.truth("visit_products.ndjson")
    }
    rows = built.rows(
        "SELECT s.session_id AS session_id, s.start_ts AS start_ts, p.product_id AS product_id, "
        "p.views AS views, p.cart_adds AS cart_adds, p.purchased_qty AS purchased_qty "
        "FROM dwh.product_sessions AS p INNER JOIN dwh.sessions AS s USING (visit_id) "
        "WHERE p.views > 0 OR p.cart_adds > 0 OR p.purchased_qty > 0"
    )
    got = {(r["session_id"], iso(r["start_ts"]), r["product_id"]): r for r in rows}
    assert set(got) == set(truth)
    for key, expected in truth.items():
        row = got[key]
        assert (row["views"], row["cart_adds"], row["purchased_qty"]) == (
            expected["views"],
            expected["cart_adds"],
            expected["purchased_qty"],
        ), key


def test_product_sessions_viewed_out_of_stock_match_truth(built: Warehouse, run: Run) -> None:
    """The (visit, product) rows marked viewed_out_of_stock are the visits that saw the product's
    page answer with stock 0, bots' visits included, as dwh.product_sessions holds them."""
    truth = run.truth("out_of_stock_views.ndjson")
    rows = built.rows(
        "SELECT s.session_id AS session_id, s.start_ts AS start_ts, p.product_id AS product_id "
        "FROM dwh.product_sessions AS p INNER JOIN dwh.sessions AS s USING (visit_id) "
        "WHERE p.viewed_out_of_stock = 1"
    )
    got = {(row["session_id"], iso(row["start_ts"]), row["product_id"]) for row in rows}
    assert got == {(row["session_id"], row["visit_start"], row["product_id"]) for row in truth}
    assert len(got) > 5


def test_searches_and_clicks_match_truth(built: Warehouse, run: Run) -> None:
    truth = {c["event_id"]: c for c in run.truth("catalog_calls.ndjson")}
    got = {str(r["event_id"]): r for r in built.rows("SELECT * FROM dwh.catalog_sessions")}
    assert set(got) == set(truth)
    assert sum(1 for c in truth.values() if c["is_search"]) > 50
    assert sum(1 for c in truth.values() if c["clicked_position"]) > 50
    for event_id, expected in truth.items():
        row = got[event_id]
        assert row["q"] == (expected["q"] or ""), event_id
        assert bool(row["is_search"]) == expected["is_search"]
        assert row["results_total"] == expected["total"]
        assert bool(row["is_zero_result"]) == expected["zero_result"]
        assert row["clicked_product_id"] == expected["clicked_product_id"], event_id
        assert row["clicked_position"] == expected["clicked_position"], event_id


def test_normalised_queries_group_as_the_visitors_meant(built: Warehouse, run: Run) -> None:
    """Every search's variants (case, spacing, punctuation, inflection) of one intended query land
    in one group, and the group's count is the intended query's count; typos may stay apart."""
    truth = [c for c in run.truth("catalog_calls.ndjson") if c["is_search"]]
    got = {
        str(r["event_id"]): r["q_normalized"]
        for r in built.rows("SELECT event_id, q_normalized FROM dwh.catalog_sessions")
    }
    groups: dict[str, set[str]] = {}
    intended_counts: Counter[str] = Counter()
    for call in truth:
        if not call["has_typo"]:
            groups.setdefault(call["intended_q"], set()).add(got[call["event_id"]])
            intended_counts[call["intended_q"]] += 1
    assert groups and all(len(forms) == 1 for forms in groups.values()), [
        (meant, forms) for meant, forms in groups.items() if len(forms) > 1
    ]
    # Variants did occur: more distinct typed forms than intended queries.
    typed = {c["q"] for c in truth if not c["has_typo"]}
    assert len(typed) > len(groups)
    group_counts = Counter(got[c["event_id"]] for c in truth)
    for meant, (form,) in groups.items():
        merged = [m for m, (f,) in groups.items() if f == form]
        typos = sum(1 for c in truth if c["has_typo"] and got[c["event_id"]] == form)
        assert group_counts[form] == sum(intended_counts[m] for m in merged) + typos, meant


def test_daily_funnel_matches_truth(built: Warehouse, run: Run) -> None:
    rows = built.rows(
        "SELECT toString(date) AS date, sum(visits) AS visits, sum(product_view_visits) AS views, "
        "sum(favorite_visits) AS favorites, sum(cart_visits) AS carts, "
        "sum(order_visits) AS orders, sum(revenue) AS revenue, sum(units) AS units, "
        "sum(cart_visits_without_order) AS abandoned, sum(order_attempts) AS attempts, "
        "sum(order_failures) AS failures FROM dwh.daily_funnel GROUP BY date"
    )
    got = {row.pop("date"): row for row in rows}
    days = run.truth("days.ndjson")
    assert sum(day["order_failures"] for day in days) > 0
    for day in days:
        assert got[day["date"]] == {
            "visits": day["human_visits"],
            "views": day["visits_with_product_view"],
            "favorites": day["visits_with_favorite"],
            "carts": day["visits_with_cart_add"],
            "orders": day["visits_with_order"],
            "revenue": day["revenue"],
            "units": day["units"],
            "abandoned": day["cart_visits_without_order"],
            "attempts": day["order_attempts"],
            "failures": day["order_failures"],
        }


def test_daily_promos_match_truth(built: Warehouse, run: Run) -> None:
    rows = built.rows(
        "SELECT toString(date) AS date, promo, orders, revenue, discount, refused "
        "FROM dwh.daily_promos ORDER BY date, promo"
    )
    truth = run.truth("promos.ndjson")
    assert {row["promo"] for row in truth} >= {"", "WELCOME10", "JEWEL5", "FREESHIP"}
    assert any(row["refused"] for row in truth) and any(row["discount"] for row in truth)
    assert rows == [{**row, "revenue": float(row["revenue"]), "discount": float(row["discount"])}
                    for row in truth]  # fmt: skip


def test_search_gaps_match_truth(built: Warehouse, run: Run) -> None:
    rows = built.rows(
        "SELECT toString(date) AS date, section, material, metal, stone, price_band, searches, "
        "zero_result, no_click FROM dwh.search_gaps"
    )
    got = {tuple(row.values())[:6]: tuple(row.values())[6:] for row in rows}
    people = {(v["session_id"], v["visit_start"]): v for v in run.truth("visits.ndjson")}
    expected: dict[tuple, list[int]] = {}
    for call in run.truth("catalog_calls.ndjson"):
        visit = people[(call["session_id"], call["visit_start"])]
        if visit["is_bot"] or call["page"] != 1:
            continue
        key = (visit["date"], *(call[name] for name in ("section", "material", "metal")),
               call["stone"], call["price_band"])  # fmt: skip
        counts = expected.setdefault(key, [0, 0, 0])
        counts[0] += 1
        counts[1] += call["zero_result"]
        counts[2] += not call["zero_result"] and not call["clicked_product_id"]
    assert got == {key: tuple(counts) for key, counts in expected.items()}
    assert any(counts[1] for counts in expected.values())
    assert any("|" in key[2] for key in expected)


def test_rerun_gives_identical_tables(built: Warehouse, settings: Settings) -> None:
    before = checksums(built)
    assert before["sessions"][0] > 0
    build_days(built, settings, days_between(FIRST, LAST))
    assert checksums(built) == before


def test_hourly_run_gives_the_same_tables(built: Warehouse, settings: Settings) -> None:
    before = checksums(built)
    for table in DWH_TABLES[:-1]:
        built.command(f"TRUNCATE TABLE dwh.{table}")
    result = run_hourly(built, settings, lookback=timedelta(days=30))
    assert result.calls > 0 and result.days
    assert checksums(built) == before
    assert run_hourly(built, settings).calls == 0  # nothing new: nothing done
