"""The merchandising cards on hand-filled tables: lost demand with estimates, sections an item
moved between and ties, carts of every age band, price changes with full windows around them;
each card against the same rows summed again in Python (tests/helpers/merchandising.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pyarrow as pa
import pytest

from loupe.warehouse import Warehouse
from tests.helpers.merchandising import (
    AGE_BANDS,
    age_band,
    before_and_after,
    by_section,
    card_rows,
    demand_rows,
    lost_by_item,
)

D1, D2, D3 = date(2026, 11, 16), date(2026, 11, 17), date(2026, 11, 18)
RANGE = {"start": D1.isoformat(), "end": D3.isoformat()}
SECTIONS = {1: "rings", 2: "rings", 3: "earrings", 4: "earrings", 6: "rings", 7: "earrings",
            8: "pendants", 9: "pendants", 10: "pendants"}  # fmt: skip


def demand(day: date, item: int, section: str, views: int, out: int, minutes: float,
           lost: float = 0.0, refused: int = 0, bought: int = 0,
           price: float = 1000.0) -> dict:  # fmt: skip
    return {
        "date": day, "item_id": item, "section": section, "views": views,
        "views_out_of_stock": out, "visits_out_of_stock": min(out, 3), "cart_adds": bought,
        "cart_attempts_out_of_stock": refused, "purchased_qty": bought,
        "revenue": bought * price, "out_of_stock_minutes": minutes, "price": price,
        "lost_revenue_estimate": lost,
    }  # fmt: skip


DEMAND = [
    demand(D1, 1, "rings", 10, 4, 120, 812.3, refused=1, bought=1),
    demand(D2, 1, "rings", 5, 2, 60, 400.4, price=1100.0),
    demand(D1, 2, "rings", 8, 0, 1440),  # out of stock all day, nobody asked
    demand(D2, 3, "earrings", 6, 6, 1440, 2500.7, refused=2, price=5000.0),
    demand(D3, 4, "earrings", 3, 0, 0, refused=1),  # only a refused cart add
    demand(D3, 5, "", 2, 1, 30, price=0.0),  # no history: no section, no price, no label
    demand(D1, 6, "rings", 20, 0, 0, bought=2),  # sold, never out of stock: not shown
    demand(D1, 7, "rings", 4, 1, 10, 10.2),  # moved from rings to earrings
    demand(D3, 7, "earrings", 4, 1, 20, 20.1, price=1200.0),
    demand(D2, 8, "pendants", 2, 2, 0),  # ties on views refused, broken by minutes then id
    demand(D2, 9, "pendants", 2, 2, 100),
    demand(D2, 10, "pendants", 2, 2, 100),
]


def fill(warehouse: Warehouse) -> None:
    warehouse.insert_arrow("dwh.daily_item_demand", pa.Table.from_pylist(DEMAND))
    now = datetime(2026, 11, 19, tzinfo=timezone.utc)
    items = [
        {"id": item, "sku": f"SKU-{item}", "section": section, "material": "gold",
         "price": 1000, "updated_at": now, "stock": 0, "refreshed_at": now}
        for item, section in SECTIONS.items()
    ]  # fmt: skip
    warehouse.insert_arrow("dwh.items", pa.Table.from_pylist(items))


def test_lost_demand_by_item_and_section(warehouse: Warehouse) -> None:
    fill(warehouse)
    rows = demand_rows(warehouse, D1, D3)
    labels = {row["id"]: row["label"] for row in warehouse.rows("SELECT id, label FROM dwh.items")}
    for section in ("", "rings"):
        got = card_rows(warehouse, "lost_by_item", **RANGE, section=section)
        expected = [
            {"product": labels.get(item["item_id"], ""), "item_id": item["item_id"],
             "section": item["section"],
             "lost_revenue_estimate": round(item["lost_revenue_estimate"]),
             "views_out_of_stock": item["views_out_of_stock"],
             "visits_out_of_stock": item["visits_out_of_stock"],
             "cart_attempts_out_of_stock": item["cart_attempts_out_of_stock"],
             "hours_out_of_stock": round(item["out_of_stock_minutes"] / 60, 1),
             "views": item["views"], "purchased_qty": item["purchased_qty"],
             "revenue": round(item["revenue"]), "price": item["price"]}
            for item in lost_by_item(rows, section)
        ]  # fmt: skip
        assert got == expected, section
    # Estimates first, then views refused, minutes out, id; item 6 never ran out; item 7 shows
    # its latest section, and in rings only its rings day counts.
    everything = card_rows(warehouse, "lost_by_item", **RANGE)
    assert [row["item_id"] for row in everything] == [3, 1, 7, 9, 10, 8, 5, 2, 4]
    assert everything[2]["section"] == "earrings" and everything[2]["price"] == 1200.0
    rings = card_rows(warehouse, "lost_by_item", **RANGE, section="rings")
    assert [(row["item_id"], row["lost_revenue_estimate"]) for row in rings][:3] == [
        (1, 1213),
        (7, 10),
        (2, 0),
    ]

    sections = by_section(rows)
    got = {row.pop("section"): row for row in card_rows(warehouse, "lost_by_section", **RANGE)}
    assert got == {
        name: {"lost_revenue_estimate": round(s["lost_revenue_estimate"]),
               "views_out_of_stock": s["views_out_of_stock"],
               "cart_attempts_out_of_stock": s["cart_attempts_out_of_stock"],
               "hours_out_of_stock": round(s["out_of_stock_minutes"] / 60, 1),
               "items_out_of_stock": len(s["items"]),
               "views_out_of_stock_pct": round(100 * s["views_out_of_stock"] / s["views"], 2)}
        for name, s in sections.items()
    }  # fmt: skip
    assert set(got) == {"rings", "earrings", "pendants", "unknown"}


def test_lost_demand_kpis_and_daily_hours(warehouse: Warehouse) -> None:
    fill(warehouse)
    for first, last, section in ((D1, D3, ""), (D2, D2, ""), (D1, D3, "earrings")):
        rows = [r for r in DEMAND if first <= r["date"] <= last and section in ("", r["section"])]
        filters = {"start": first.isoformat(), "end": last.isoformat(), "section": section}
        lost = card_rows(warehouse, "lost_revenue", **filters)
        assert lost == [
            {"lost_revenue_estimate": round(sum(r["lost_revenue_estimate"] for r in rows))}
        ]
        share = card_rows(warehouse, "out_of_stock_views", **filters)[0]["views_out_of_stock_pct"]
        out, views = (sum(r[name] for r in rows) for name in ("views_out_of_stock", "views"))
        assert share == round(100 * out / views, 2)
        hours: dict[tuple, float] = {}
        for r in rows:
            key = (r["date"].isoformat(), r["section"] or "unknown")
            hours[key] = hours.get(key, 0) + r["out_of_stock_minutes"]
        got = card_rows(warehouse, "out_of_stock_hours", **filters)
        assert got == [
            {"date": day, "section": name, "hours_out_of_stock": round(minutes / 60, 1)}
            for (day, name), minutes in sorted(hours.items())
        ]
    assert card_rows(warehouse, "lost_revenue", **RANGE)[0]["lost_revenue_estimate"] == 3744


AS_OF = datetime(2026, 12, 20, tzinfo=timezone.utc)


def cart(key: str, started_days_ago: float, idle_days: float, value: float, status: str,
         days_to_order: int | None = None) -> dict:  # fmt: skip
    start = AS_OF - timedelta(days=started_days_ago)
    ordered = status == "ordered"
    return {
        "cart_key": key, "episode_start": start, "user_id": int(key[2:]) if key[0] == "u" else 0,
        "last_changed_at": AS_OF - timedelta(days=idle_days), "lines": 1, "units": 2,
        "value": value, "status": status,
        "ordered_at": start + timedelta(days=days_to_order or 0) if ordered else None,
        "days_to_order": days_to_order, "visits_before_order": 2 if ordered else None,
        "lines_out_of_stock": 0, "as_of": AS_OF,
    }  # fmt: skip


CARTS = [
    cart("u:1", 3.5, 3.2, 100.0, "abandoned"),
    cart("s:a", 6, 4, 250.0, "abandoned"),
    cart("u:2", 10, 9, 400.0, "abandoned"),
    cart("u:3", 20.5, 20, 50.0, "abandoned"),
    cart("s:b", 45, 40, 999.0, "abandoned"),
    cart("u:4", 5, 5, 300.0, "ordered", 0),
    cart("u:5", 9, 2, 700.0, "ordered", 2),
    cart("u:6", 8, 1, 40.0, "ordered", 2),
    cart("u:7", 2, 1, 5000.0, "open"),
    cart("u:8", 4, 4, 80.0, "emptied"),
]


def test_carts_by_value_age_and_days_to_order(warehouse: Warehouse) -> None:
    warehouse.insert_arrow("dwh.carts", pa.Table.from_pylist(CARTS))
    everything = {"start": "2026-10-01", "end": AS_OF.date().isoformat()}
    abandoned = [c for c in CARTS if c["status"] == "abandoned"]
    top = card_rows(warehouse, "abandoned_carts", **everything)
    assert [(r["user_id"], r["value"], r["age_days"]) for r in top] == [
        (c["user_id"] or None, c["value"], int((AS_OF - c["episode_start"]).days))
        for c in sorted(abandoned, key=lambda c: -c["value"])
    ]
    assert [r["age_days"] for r in top] == [45, 10, 6, 3, 20]
    kpi = card_rows(warehouse, "abandoned_value", **everything)
    assert kpi == [{"abandoned_value": sum(c["value"] for c in abandoned), "abandoned_carts": 5}]
    bands: dict[str, list] = {band: [0, 0.0] for _, band in AGE_BANDS}
    for c in abandoned:
        sums = bands[age_band((AS_OF - c["episode_start"]).days)]
        sums[0], sums[1] = sums[0] + 1, sums[1] + c["value"]
    assert card_rows(warehouse, "abandoned_by_age", **everything) == [
        {"age": band, "value": value, "carts": carts} for band, (carts, value) in bands.items()
    ]
    assert list(bands) == [band for _, band in AGE_BANDS]  # every band, in the card's order
    ordered = card_rows(warehouse, "days_to_order", **everything)
    assert ordered == [
        {"days_to_order": 0, "orders": 1, "average_value": 300.0, "average_visits": 2.0},
        {"days_to_order": 2, "orders": 2, "average_value": 370.0, "average_visits": 2.0},
    ]
    # The range picks carts by the UTC day they started.
    week = {"start": (AS_OF - timedelta(days=7)).date().isoformat(), "end": everything["end"]}
    assert [r["value"] for r in card_rows(warehouse, "abandoned_carts", **week)] == [250.0, 100.0]


CHANGED = {1: datetime(2026, 11, 10, 9, tzinfo=timezone.utc),
           3: datetime(2026, 11, 12, 3, tzinfo=timezone.utc)}  # fmt: skip


def change_rows() -> list[dict]:
    """Item 1 (rings) cut with offsets -14..14 built, item 3 (earrings) raised with -14..3 (its
    later days still to come)."""
    rows = []
    for item, (old, new, last, slope) in {1: (1000, 800, 14, 1), 3: (500, 550, 3, 2)}.items():
        for offset in range(-14, last + 1):
            rows.append({
                "item_id": item, "changed_at": CHANGED[item], "old_price": old,
                "new_price": new, "day_offset": offset, "views": 40 + slope * offset,
                "cart_adds": max(0, offset) // slope, "purchased_qty": int(offset > 3),
            })  # fmt: skip
    return rows


def test_price_changes_before_and_after(warehouse: Warehouse) -> None:
    rows = change_rows()
    warehouse.insert_arrow("dwh.price_changes", pa.Table.from_pylist(rows))
    fill(warehouse)
    span = {"start": "2026-11-01", "end": "2026-11-30"}
    expected = before_and_after(rows)
    got = card_rows(warehouse, "price_changes", **span)
    assert [row["item_id"] for row in got] == [3, 1]  # the newest change first
    for row in got:
        change = expected[(row["item_id"], row["changed_at"])]
        assert row["product"] == f"SKU-{row['item_id']} · {SECTIONS[row['item_id']]}"
        assert (row["old_price"], row["new_price"]) == (change["old_price"], change["new_price"])
        assert row["change_pct"] == round(
            100 * (row["new_price"] - row["old_price"]) / row["old_price"], 1
        )
        for side in ("before", "after"):
            assert row[f"days_{side}"] == change[side]["days"]
            for name in ("views", "cart_adds", "purchases"):
                assert row[f"daily_{name}_{side}"] == pytest.approx(change[side][name], abs=0.006)
    assert [(row["days_before"], row["days_after"]) for row in got] == [(7, 4), (7, 7)]
    # The section filter goes through dwh.items; the range picks changes by their UTC day.
    assert [
        r["item_id"] for r in card_rows(warehouse, "price_changes", **span, section="rings")
    ] == [1]
    day = {"start": "2026-11-12", "end": "2026-11-12"}
    assert [r["item_id"] for r in card_rows(warehouse, "price_changes", **day)] == [3]

    effect = card_rows(warehouse, "price_effect", **span)
    averages: dict[tuple, list] = {}
    for row in rows:
        direction = "cut" if row["new_price"] < row["old_price"] else "rise"
        averages.setdefault((row["day_offset"], direction), []).append(row["views"])
    assert [(r["day_offset"], r["direction"], r["average_views"]) for r in effect] == [
        (offset, direction, round(sum(views) / len(views), 2))
        for (offset, direction), views in sorted(averages.items())
    ]
