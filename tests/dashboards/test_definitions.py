"""Dashboard definitions: they load, translate parameters safely, and every card's figures hold
on the demo warehouse, filled by the simulator (the funnel against the truth files)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from loupe.dashboards.definitions import (
    Card,
    Dashboard,
    Parameter,
    load_dashboards,
    render_sql,
    resolve_values,
    run_card,
)
from loupe.demo import DEMO_START
from loupe.errors import LoupeError
from loupe.warehouse import Warehouse
from tests.helpers.dashboards import DEMO_DAYS

SLUGS = [
    "funnel",
    "behaviour",
    "search",
    "products",
    "inventory",
    "health",
    "acquisition",
    "merchandising",
]
# Cards that may rightly be empty on a clean simulated shop (movers: the demo's few days do not
# reach back over the week before the default range).
MAY_BE_EMPTY = {("health", "rejected"), ("inventory", "carts_over_stock"), ("products", "movers")}


def truth_days(demo_dir: Path) -> list[dict]:
    path = demo_dir / ".loupe" / "truth" / "seed-3" / "days.ndjson"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_eight_dashboards_with_date_ranges_but_the_live_one() -> None:
    dashboards = load_dashboards()
    assert [d.slug for d in dashboards] == SLUGS
    for dashboard in dashboards:
        names = {p.name for p in dashboard.parameters}
        assert dashboard.cards
        if dashboard.slug == "inventory":
            # Live: every card shows now, none reads a range that could hide open carts.
            assert names == set() and all(not c.parameter_names() for c in dashboard.cards)
        else:
            assert {"start", "end"} <= names, dashboard.slug


def test_every_card_returns_figures(demo_warehouse: Warehouse) -> None:
    for dashboard in load_dashboards():
        values = resolve_values(dashboard, demo_warehouse, {})
        for card in dashboard.cards:
            result = run_card(demo_warehouse, dashboard, card, values)
            assert result.error is None, (dashboard.slug, card.id, result.error)
            if (dashboard.slug, card.id) not in MAY_BE_EMPTY:
                assert result.rows, (dashboard.slug, card.id)
            named = [card.settings.get("dimension"), *card.settings.get("metrics", [])]
            named += [*card.money_columns(), *card.settings.get("durations", [])]
            for name in named:
                assert name is None or name in result.columns, (dashboard.slug, card.id, name)


def test_acquisition_by_channel_equals_the_truth(demo_warehouse: Warehouse, demo_dir: Path) -> None:
    """Where the buyers come from: visits, buying visits, orders and revenue per channel."""
    path = demo_dir / ".loupe" / "truth" / "seed-3" / "visits.ndjson"
    expected: dict[str, list] = {}
    for visit in (json.loads(line) for line in path.read_text().splitlines()):
        if not visit["is_bot"]:
            sums = expected.setdefault(visit["channel"], [0, 0, 0, 0.0])
            for at, value in enumerate((1, visit["orders"] > 0, visit["orders"], visit["revenue"])):
                sums[at] += value
    board = next(d for d in load_dashboards() if d.slug == "acquisition")
    days = truth_days(demo_dir)
    values = resolve_values(
        board, demo_warehouse, {"start": days[0]["date"], "end": days[-1]["date"]}
    )
    result = run_card(demo_warehouse, board, board.card("by_channel"), values)
    got = {}
    for row in result.rows:
        line = dict(zip(result.columns, row, strict=True))
        buyers = round(line["conversion_pct"] * line["visits"] / 100)
        got[line["channel"]] = [line["visits"], buyers, line["orders"], line["revenue"]]
    assert got == {
        channel: [visits, buyers, orders, round(revenue)]
        for channel, (visits, buyers, orders, revenue) in expected.items()
    }


def test_funnel_equals_the_truth(demo_warehouse: Warehouse, demo_dir: Path) -> None:
    funnel = next(d for d in load_dashboards() if d.slug == "funnel")
    days = truth_days(demo_dir)
    values = resolve_values(
        funnel, demo_warehouse, {"start": days[0]["date"], "end": days[-1]["date"]}
    )
    steps = dict(run_card(demo_warehouse, funnel, funnel.card("steps"), values).rows)
    assert steps == {
        "Visits": sum(d["human_visits"] for d in days),
        "Viewed a product": sum(d["visits_with_product_view"] for d in days),
        "Added to cart": sum(d["visits_with_cart_add"] for d in days),
        "Purchased": sum(d["visits_with_order"] for d in days),
    }


def test_order_value_and_abandonment_equal_the_truth(
    demo_warehouse: Warehouse, demo_dir: Path
) -> None:
    funnel = next(d for d in load_dashboards() if d.slug == "funnel")
    days = truth_days(demo_dir)
    values = resolve_values(
        funnel, demo_warehouse, {"start": days[0]["date"], "end": days[-1]["date"]}
    )

    def total(name: str) -> float:
        return sum(d[name] for d in days)

    def figure(card_id: str) -> float:
        return run_card(demo_warehouse, funnel, funnel.card(card_id), values).rows[0][0]

    assert total("order_attempts") >= total("orders") > 0
    assert figure("average_order_value") == round(total("revenue") / total("orders"), 2)
    assert figure("units_per_order") == round(total("units") / total("orders"), 2)
    assert figure("cart_abandonment") == round(
        100 * total("cart_visits_without_order") / total("visits_with_cart_add"), 2
    )
    assert figure("checkout_failures") == round(
        100 * total("order_failures") / total("order_attempts"), 2
    )
    assert figure("favorites") == round(
        100 * total("visits_with_favorite") / total("human_visits"), 2
    )


def test_filters_change_the_figures(demo_warehouse: Warehouse) -> None:
    funnel = next(d for d in load_dashboards() if d.slug == "funnel")
    everyone = resolve_values(funnel, demo_warehouse, {})
    mobile = resolve_values(funnel, demo_warehouse, {"device_type": "mobile"})
    visits = funnel.card("visits")
    all_visits = run_card(demo_warehouse, funnel, visits, everyone).rows[0][0]
    mobile_visits = run_card(demo_warehouse, funnel, visits, mobile).rows[0][0]
    assert 0 < mobile_visits < all_visits


def test_default_dates_follow_the_newest_data(demo_warehouse: Warehouse) -> None:
    funnel = next(d for d in load_dashboards() if d.slug == "funnel")
    values = resolve_values(funnel, demo_warehouse, {})
    newest = date.fromordinal(DEMO_START.toordinal() + DEMO_DAYS)  # late calls reach the next day
    assert date.fromisoformat(values["end"]) in (newest, date.fromordinal(newest.toordinal() - 1))
    assert (date.fromisoformat(values["end"]) - date.fromisoformat(values["start"])).days == 6


DASHBOARD = Dashboard(
    slug="t",
    title="T",
    parameters=(
        Parameter(name="start", type="date", label="From", default="2026-11-20"),
        Parameter(name="device_type", type="category", label="Device", choices=("", "mobile")),
        Parameter(name="q", type="category", label="Query"),
    ),
    cards=(
        Card(
            id="c",
            title="C",
            display="table",
            row=0,
            col=0,
            width=6,
            height=3,
            sql="SELECT {{start}} AS d [[, {{device_type}} AS device]] [[, {{q}} AS q]]",
        ),
    ),
)


def test_optional_blocks_and_parameters_are_translated() -> None:
    card = DASHBOARD.card("c")
    sql, params = render_sql(card, DASHBOARD, {"start": "2026-11-20", "device_type": ""})
    assert sql == "SELECT {start:Date} AS d  "
    assert params == {"start": date(2026, 11, 20)}
    sql, params = render_sql(card, DASHBOARD, {"start": "2026-11-20", "device_type": "mobile"})
    assert sql == "SELECT {start:Date} AS d , {device_type:String} AS device "
    assert params["device_type"] == "mobile"


def test_hostile_value_stays_a_value(demo_warehouse: Warehouse) -> None:
    hostile = "x' UNION SELECT name FROM system.tables --"
    values = resolve_values(DASHBOARD, demo_warehouse, {"q": hostile})
    result = run_card(demo_warehouse, DASHBOARD, DASHBOARD.card("c"), values)
    assert result.error is None and result.rows == [["2026-11-20", hostile]]


def test_bad_values_are_refused(demo_warehouse: Warehouse) -> None:
    with pytest.raises(LoupeError, match="not a date"):
        resolve_values(DASHBOARD, demo_warehouse, {"start": "yesterday'"})
    with pytest.raises(LoupeError, match="not one of"):
        resolve_values(DASHBOARD, demo_warehouse, {"device_type": "toaster"})


def test_a_failing_query_is_reported_not_raised(demo_warehouse: Warehouse) -> None:
    broken = DASHBOARD.model_copy(
        update={
            "cards": (DASHBOARD.card("c").model_copy(update={"sql": "SELECT * FROM dwh.nope"}),)
        }
    )
    result = run_card(demo_warehouse, broken, broken.card("c"), {"start": "2026-11-20"})
    assert result.rows == [] and "dwh.nope" in result.error


def test_top_queries_group_variants_under_their_most_frequent_form(
    demo_warehouse: Warehouse,
) -> None:
    search = next(d for d in load_dashboards() if d.slug == "search")
    values = resolve_values(search, demo_warehouse, {"start": "2000-01-01", "end": "2100-01-01"})
    result = run_card(demo_warehouse, search, search.card("top_queries"), values)
    expected = demo_warehouse.rows(
        "SELECT q_normalized, q, sum(searches) AS n FROM dwh.daily_search_stats "
        "GROUP BY q_normalized, q"
    )
    totals: dict[str, int] = {}
    shown: dict[str, tuple[int, str]] = {}
    for row in expected:
        totals[row["q_normalized"]] = totals.get(row["q_normalized"], 0) + row["n"]
        shown[row["q_normalized"]] = max(
            shown.get(row["q_normalized"], (0, "")), (row["n"], row["q"])
        )
    top = sorted(totals, key=lambda form: (-totals[form], shown[form][1]))[:20]
    assert [row[:2] for row in result.rows] == [[shown[form][1], totals[form]] for form in top]
    assert len(totals) < len(expected)  # some forms did group variants


def test_the_retention_triangle_reads_the_cohort_table(demo_warehouse: Warehouse) -> None:
    behaviour = next(d for d in load_dashboards() if d.slug == "behaviour")
    values = resolve_values(behaviour, demo_warehouse, {"start": "2000-01-01", "end": "2100-01-01"})
    result = run_card(demo_warehouse, behaviour, behaviour.card("retention_triangle"), values)
    cohorts = demo_warehouse.rows(
        "SELECT cohort_week, any(visitors) AS v, max(week_offset) AS seen, "
        "sumIf(returning_visitors, week_offset = 1) AS back "
        "FROM dwh.retention_weekly GROUP BY cohort_week ORDER BY cohort_week"
    )
    rows = [dict(zip(result.columns, row)) for row in result.rows]
    assert [(r["cohort_week"], r["cohort_size"]) for r in rows] == [
        (c["cohort_week"].isoformat(), c["v"]) for c in cohorts
    ]
    for row, cohort in zip(rows, cohorts):
        expected = round(100 * cohort["back"] / cohort["v"], 1) if cohort["seen"] >= 1 else None
        assert row["week_1"] == expected


def test_reversed_range_is_one_message(demo_warehouse: Warehouse) -> None:
    funnel = next(d for d in load_dashboards() if d.slug == "funnel")
    with pytest.raises(LoupeError, match=r"^From is after To$"):
        resolve_values(funnel, demo_warehouse, {"start": "2026-11-20", "end": "2026-11-19"})
    one_day = resolve_values(funnel, demo_warehouse, {"start": "2026-11-19", "end": "2026-11-19"})
    assert one_day["start"] == one_day["end"] == "2026-11-19"


def test_movers_compare_the_range_with_the_days_before(demo_warehouse: Warehouse) -> None:
    products = next(d for d in load_dashboards() if d.slug == "products")
    movers = products.card("movers")
    last = DEMO_START + timedelta(days=DEMO_DAYS - 1)
    day = {"start": last.isoformat(), "end": last.isoformat()}
    result = run_card(
        demo_warehouse, products, movers, resolve_values(products, demo_warehouse, day)
    )
    rows = [dict(zip(result.columns, row, strict=True)) for row in result.rows]
    assert rows and sum(row["previous_views"] for row in rows) > 0
    assert all(row["change"] == row["views"] - row["previous_views"] for row in rows)
    # The day before the first one was never recorded: no comparison, rather than a fall from 0.
    first = {"start": DEMO_START.isoformat(), "end": DEMO_START.isoformat()}
    values = resolve_values(products, demo_warehouse, first)
    assert run_card(demo_warehouse, products, movers, values).rows == []


def test_bot_share_per_day_and_reason_equals_the_truth(
    demo_warehouse: Warehouse, demo_dir: Path
) -> None:
    """The health page's bot share: per day and reason, bot visits over all the day's visits."""
    path = demo_dir / ".loupe" / "truth" / "seed-3" / "visits.ndjson"
    visits: dict[str, int] = {}
    bots: dict[tuple[str, str], int] = {}
    for visit in (json.loads(line) for line in path.read_text().splitlines()):
        visits[visit["date"]] = visits.get(visit["date"], 0) + 1
        if visit["bot_reason"]:
            key = (visit["date"], visit["bot_reason"])
            bots[key] = bots.get(key, 0) + 1
    health = next(d for d in load_dashboards() if d.slug == "health")
    values = resolve_values(health, demo_warehouse, {"start": min(visits), "end": max(visits)})
    result = run_card(demo_warehouse, health, health.card("bot_share"), values)
    got = {
        (row["date"], row["reason"]): (row["bot_pct"], row["bot_visits"], row["visits"])
        for row in (dict(zip(result.columns, row, strict=True)) for row in result.rows)
    }
    assert got == {
        (day, reason): (round(100 * count / visits[day], 2), count, visits[day])
        for (day, reason), count in bots.items()
    }
    reasons = {reason for _, reason in got}
    assert "user_agent" in reasons and any(r.startswith("behaviour:") for r in reasons)


def test_every_card_showing_products_shows_their_labels(demo_warehouse: Warehouse) -> None:
    """A card with a product's id shows its label first, the item's in dwh.items: on the
    simulated shop, whose items have no name, `SKU · section`."""
    items = demo_warehouse.rows("SELECT id, sku, section, label FROM dwh.items")
    assert items and all(item["label"] == f"{item['sku']} · {item['section']}" for item in items)
    labels = {item["id"]: item["label"] for item in items}
    last = DEMO_START + timedelta(days=DEMO_DAYS - 1)
    with_products = set()
    for dashboard in load_dashboards():
        day = {"start": last.isoformat(), "end": last.isoformat()} if dashboard.parameters else {}
        values = resolve_values(dashboard, demo_warehouse, day)
        for card in dashboard.cards:
            result = run_card(demo_warehouse, dashboard, card, values)
            ids = [c for c in ("product_id", "item_id") if c in result.columns]
            if not ids and "sku" not in result.columns:
                continue
            with_products.add(card.id)
            assert result.columns[0] == "product" and ids, (dashboard.slug, card.id)
            for row in (dict(zip(result.columns, row, strict=True)) for row in result.rows):
                assert row["product"] == labels[row[ids[0]]], (dashboard.slug, card.id)
    assert with_products == {
        "top_products",
        "movers",
        "carts_over_stock",
        "most_favorited",
        "lost_by_item",
        "price_changes",
    }


def test_most_carted_items_show_their_labels(demo_warehouse: Warehouse) -> None:
    """The chart of the most carted items: the top 15 by units in the production carts."""
    units = demo_warehouse.rows(
        "SELECT c.item_id AS id, sum(c.qty) AS units, any(i.label) AS label FROM mysql.cart AS c "
        "JOIN dwh.items AS i ON i.id = c.item_id GROUP BY c.item_id"
    )
    top = sorted(units, key=lambda row: (-row["units"], row["id"]))[:15]
    inventory = next(d for d in load_dashboards() if d.slug == "inventory")
    card = inventory.card("most_carted")
    result = run_card(demo_warehouse, inventory, card, {})
    assert card.settings["dimension"] == "product" and result.columns[0] == "product"
    assert [row[:2] for row in result.rows] == [[row["label"], row["units"]] for row in top]
    assert len({row["label"] for row in top}) == len(top) > 0
