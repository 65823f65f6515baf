"""The merchandising dashboard on the demo warehouse, filled by the simulator: its cards against
the simulator's truth (items' demand, abandoned and ordered carts, promo codes, price changes)
and against the rows of the tables they read, summed again in Python."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest

from loupe.demo import DEMO_START
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from tests.helpers.dashboards import DEMO_DAYS
from tests.helpers.merchandising import (
    ITEM_COUNTS,
    abandoned_from_truth,
    age_band,
    before_and_after,
    card_rows,
    demand_rows,
    lost_by_item,
    utc,
)

FIRST, LAST = DEMO_START, DEMO_START + timedelta(days=DEMO_DAYS - 1)
RANGE = {"start": FIRST.isoformat(), "end": LAST.isoformat()}
DEMAND = ("views", "cart_adds", "purchased_qty")  # an item's demand on a day of dwh.price_changes


def truth(demo_dir: Path, name: str) -> list[dict]:
    path = demo_dir / ".loupe" / "truth" / "seed-3" / name
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_lost_demand_equals_the_item_rows_and_the_truth(
    demo_warehouse: Warehouse, demo_dir: Path
) -> None:
    rows = demand_rows(demo_warehouse, FIRST, LAST)
    counts: dict[int, dict[str, int]] = {}
    for day in truth(demo_dir, "item_days.ndjson"):
        if FIRST.isoformat() <= day["date"] <= LAST.isoformat():
            sums = counts.setdefault(day["item_id"], dict.fromkeys(ITEM_COUNTS, 0))
            for name in ITEM_COUNTS:
                sums[name] += day[name]
    for section in ("", "rings"):
        got = card_rows(demo_warehouse, "lost_by_item", **RANGE, section=section)
        expected = lost_by_item(rows, section)
        assert [row["item_id"] for row in got] == [item["item_id"] for item in expected]
        for row, item in zip(got, expected):
            assert row["section"] == item["section"] and row["price"] == item["price"]
            assert row["hours_out_of_stock"] == round(item["out_of_stock_minutes"] / 60, 1)
            assert row["lost_revenue_estimate"] == round(item["lost_revenue_estimate"])
            if section:
                continue  # the truth has no sections: its counts are the items' in the range
            zero = dict.fromkeys(ITEM_COUNTS, 0)
            assert {name: row[name] for name in ITEM_COUNTS} == counts.get(row["item_id"], zero)
        assert got and (not section or {row["section"] for row in got} == {section})
    # Stock-outs people ran into: views of out-of-stock items, as the truth has them.
    everything = card_rows(demo_warehouse, "lost_by_item", **RANGE)
    assert sum(row["views_out_of_stock"] for row in everything) > 0
    views = sum(sums["views"] for sums in counts.values())
    refused = sum(sums["views_out_of_stock"] for sums in counts.values())
    share = card_rows(demo_warehouse, "out_of_stock_views", **RANGE)
    assert share == [{"views_out_of_stock_pct": round(100 * refused / views, 2)}]
    by_section = card_rows(demo_warehouse, "lost_by_section", **RANGE)
    assert sum(row["views_out_of_stock"] for row in by_section) == refused
    minutes: dict[tuple, float] = {}
    for row in rows:
        key = (row["date"].isoformat(), row["section"] or "unknown")
        minutes[key] = minutes.get(key, 0) + row["out_of_stock_minutes"]
    assert card_rows(demo_warehouse, "out_of_stock_hours", **RANGE) == [
        {"date": day, "section": name, "hours_out_of_stock": round(total / 60, 1)}
        for (day, name), total in sorted(minutes.items())
    ]
    assert sum(minutes.values()) > 0


def test_abandoned_and_ordered_carts_equal_the_truth(
    demo_warehouse: Warehouse, demo_dir: Path, demo_settings: Settings
) -> None:
    episodes = truth(demo_dir, "carts.ndjson")
    # dwh.carts is as of the end of the newest visit's day (the day the demo also builds after
    # its last one, for late calls, has no visits and moves nothing).
    newest = max(utc(visit["visit_end"]).date() for visit in truth(demo_dir, "visits.ndjson"))
    as_of = datetime.combine(newest + timedelta(days=1), time(), timezone.utc)
    idle = demo_settings.cart_abandoned_after_hours
    for first, last in ((FIRST, LAST), (FIRST, FIRST)):
        filters = {"start": first.isoformat(), "end": last.isoformat()}
        expected = abandoned_from_truth(episodes, as_of, idle, first, last)
        got = card_rows(demo_warehouse, "abandoned_carts", **filters)
        assert [{**row, "lines_out_of_stock": None} for row in got] == [
            {"user_id": cart["user_id"], "episode_start": cart["episode_start"].isoformat(),
             "last_changed_at": cart["last_changed_at"].isoformat(),
             "age_days": cart["age_days"], "idle_hours": cart["idle_hours"],
             "lines": cart["lines"], "units": cart["units"], "value": cart["value"],
             "lines_out_of_stock": None}
            for cart in expected[:25]
        ]  # fmt: skip
        assert all(row["lines_out_of_stock"] <= row["lines"] for row in got)
        value = sum(cart["value"] for cart in expected)
        assert card_rows(demo_warehouse, "abandoned_value", **filters) == [
            {"abandoned_value": value, "abandoned_carts": len(expected)}
        ]
        bands: dict[str, list] = {}
        for cart in expected:
            sums = bands.setdefault(age_band(cart["age_days"]), [0.0, 0])
            sums[0], sums[1] = sums[0] + cart["value"], sums[1] + 1
        got_bands = card_rows(demo_warehouse, "abandoned_by_age", **filters)
        assert {row["age"]: [row["value"], row["carts"]] for row in got_bands} == bands
        ordered: dict[int, list] = {}
        for episode in episodes:
            if (
                episode["status"] == "ordered"
                and first <= utc(episode["episode_start"]).date() <= last
            ):
                ordered.setdefault(episode["days_to_order"], []).append(episode["value"])
        got_orders = card_rows(demo_warehouse, "days_to_order", **filters)
        assert [(r["days_to_order"], r["orders"], r["average_value"]) for r in got_orders] == [
            (days, len(values), round(sum(values) / len(values)))
            for days, values in sorted(ordered.items())
        ]
    assert len(abandoned_from_truth(episodes, as_of, idle, FIRST, LAST)) >= 3


def test_search_gaps_equal_the_table_rows(demo_warehouse: Warehouse) -> None:
    rows = demo_warehouse.rows(
        "SELECT * FROM dwh.search_gaps WHERE date BETWEEN {first:Date} AND {last:Date}",
        {"first": FIRST, "last": LAST},
    )
    # All sections, and the section with the most zero-result asks filtered by it.
    asked: dict[str, int] = {}
    for row in rows:
        if row["section"]:
            asked[row["section"]] = asked.get(row["section"], 0) + row["zero_result"]
    for section in ("", max(asked, key=lambda name: (asked[name], name))):
        gaps: dict[tuple, list] = {}
        for row in rows:
            if section and row["section"] != section:
                continue
            key = tuple(row[name] or "any" for name in ("section", "material", "metal", "stone"))
            sums = gaps.setdefault((*key, row["price_band"]), [0, 0, 0, ("", 0, "")])
            sums[0], sums[1], sums[2] = (
                sums[0] + row["zero_result"],
                sums[1] + row["searches"],
                sums[2] + row["no_click"],
            )
            if row["example_query"] and (row["searches"], row["example_query"]) > sums[3][1:]:
                sums[3] = (row["example_query"], row["searches"], row["example_query"])
        expected = sorted(
            ((key, sums) for key, sums in gaps.items() if sums[0] > 0),
            key=lambda gap: (-gap[1][0], -gap[1][1], gap[0]),
        )[:25]
        got = card_rows(demo_warehouse, "search_gaps", **RANGE, section=section)
        assert [tuple(row.values()) for row in got] == [
            (*key, zero, asks, no_click, example[0])
            for key, (zero, asks, no_click, example) in expected
        ]
        assert got, section


def test_promo_codes_equal_the_truth(demo_warehouse: Warehouse, demo_dir: Path) -> None:
    codes: dict[str, list] = {}
    for day in truth(demo_dir, "promos.ndjson"):
        sums = codes.setdefault(day["promo"] or "(no code)", [0, 0, 0, 0])
        for at, name in enumerate(("orders", "refused", "revenue", "discount")):
            sums[at] += day[name]
    got = card_rows(demo_warehouse, "promos", **RANGE)
    assert {row["promo"]: row for row in got} == {
        code: {"promo": code, "orders": orders, "refused": refused, "revenue": revenue,
               "discount": discount,
               "discount_pct": round(100 * discount / (revenue + discount), 2) if orders else None,
               "average_order_value": round(revenue / orders) if orders else None}
        for code, (orders, refused, revenue, discount) in codes.items()
    }  # fmt: skip
    assert got
    refused = sum(sums[1] for sums in codes.values())
    assert card_rows(demo_warehouse, "refused_promos", **RANGE) == [{"refused_orders": refused}]


def changes_from_truth(demo_dir: Path) -> list[dict]:
    """dwh.price_changes as the truth has it: each committed change's offsets whose day is built
    (a day with visits), with the item's people's views, cart adds and purchases that day (0
    when none)."""
    built = {date.fromisoformat(visit["date"]) for visit in truth(demo_dir, "visits.ndjson")}
    demand = {(day["date"], day["item_id"]): day for day in truth(demo_dir, "item_days.ndjson")}
    rows = []
    for change in truth(demo_dir, "price_changes.ndjson"):
        changed_at = utc(change["changed_at"])
        for offset in range(-14, 15):
            day = changed_at.date() + timedelta(days=offset)
            if day in built:
                counts = demand.get((day.isoformat(), change["item_id"]), {})
                demand_that_day = {name: counts.get(name, 0) for name in DEMAND}
                rows.append(
                    {**change, "changed_at": changed_at, "day_offset": offset, **demand_that_day}
                )
    return rows


def test_price_changes_equal_the_truth(demo_warehouse: Warehouse, demo_dir: Path) -> None:
    rows = changes_from_truth(demo_dir)
    changes = before_and_after(rows)
    assert len(changes) >= 20
    assert {c["new_price"] < c["old_price"] for c in changes.values()} == {True, False}
    for first, last in ((FIRST, LAST), (LAST, LAST)):
        filters = {"start": first.isoformat(), "end": last.isoformat()}
        chosen = {
            key: c for key, c in changes.items() if first <= date.fromisoformat(key[1][:10]) <= last
        }
        views: dict[tuple, int] = {}
        for row in rows:
            if -7 <= row["day_offset"] <= 6:
                key = (row["item_id"], row["changed_at"].isoformat())
                views[key] = views.get(key, 0) + row["views"]
        order = sorted(chosen, key=lambda key: (-date.fromisoformat(key[1][:10]).toordinal(),
                                                -views[key], key))  # fmt: skip
        got = card_rows(demo_warehouse, "price_changes", **filters)
        assert [(row["item_id"], row["changed_at"]) for row in got] == order[:50]
        for row in got:
            change = chosen[(row["item_id"], row["changed_at"])]
            assert (row["old_price"], row["new_price"]) == (
                change["old_price"],
                change["new_price"],
            )
            for side in ("before", "after"):
                assert row[f"days_{side}"] == change[side]["days"]
                for name in ("views", "cart_adds", "purchases"):
                    assert row[f"daily_{name}_{side}"] == pytest.approx(
                        change[side][name], abs=0.006
                    )
        averages: dict[tuple, list] = {}
        for row in rows:
            if first <= row["changed_at"].date() <= last:
                direction = "cut" if row["new_price"] < row["old_price"] else "rise"
                averages.setdefault((row["day_offset"], direction), []).append(row["views"])
        effect = card_rows(demo_warehouse, "price_effect", **filters)
        assert [(r["day_offset"], r["direction"]) for r in effect] == sorted(averages)
        for r in effect:
            views = averages[(r["day_offset"], r["direction"])]
            assert r["average_views"] == pytest.approx(sum(views) / len(views), abs=0.006)
