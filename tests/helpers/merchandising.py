"""The merchandising dashboard's figures computed again in Python, from the rows of the tables its
cards read (or the simulator's truth), to hold the cards' SQL to: a card's rows as dicts, lost
demand per item and section, the abandoned carts of the truth, price changes before and after."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone
from typing import Any

from loupe.dashboards.definitions import Dashboard, load_dashboards, resolve_values, run_card
from loupe.warehouse import Warehouse

ITEM_COUNTS = (
    "views_out_of_stock", "visits_out_of_stock", "cart_attempts_out_of_stock", "views",
    "purchased_qty",
)  # fmt: skip


def board() -> Dashboard:
    return next(d for d in load_dashboards() if d.slug == "merchandising")


def card_rows(warehouse: Warehouse, card_id: str, **filters: str) -> list[dict]:
    """The card's rows as dicts, with these filters (defaults for the others)."""
    dashboard = board()
    values = resolve_values(dashboard, warehouse, filters)
    result = run_card(warehouse, dashboard, dashboard.card(card_id), values)
    assert result.error is None, (card_id, result.error)
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def demand_rows(warehouse: Warehouse, first: date, last: date) -> list[dict]:
    """The rows of dwh.daily_item_demand from `first` to `last`."""
    return warehouse.rows(
        "SELECT * FROM dwh.daily_item_demand WHERE date BETWEEN {first:Date} AND {last:Date}",
        {"first": first, "last": last},
    )


def lost_by_item(rows: Iterable[dict], section: str = "") -> list[dict]:
    """Items with a stock-out signal (a view or cart add refused, minutes out of stock), their
    sums, the section and price of their latest day; by lost revenue, views refused, minutes."""
    items: dict[int, dict[str, Any]] = {}
    for row in rows:
        if section and row["section"] != section:
            continue
        item = items.setdefault(row["item_id"], {"item_id": row["item_id"], "last": None})
        for name in (*ITEM_COUNTS, "lost_revenue_estimate", "out_of_stock_minutes", "revenue"):
            item[name] = item.get(name, 0) + row[name]
        if item["last"] is None or row["date"] > item["last"]:
            item.update(last=row["date"], section=row["section"], price=row["price"])
    shown = [
        item
        for item in items.values()
        if item["views_out_of_stock"] or item["cart_attempts_out_of_stock"]
        or item["out_of_stock_minutes"] > 0
    ]  # fmt: skip
    shown.sort(
        key=lambda item: (
            -item["lost_revenue_estimate"], -item["views_out_of_stock"],
            -item["out_of_stock_minutes"], item["item_id"],
        )
    )  # fmt: skip
    return shown[:25]


def by_section(rows: Iterable[dict]) -> dict[str, dict[str, float]]:
    """Per section ('unknown' for ''): lost revenue, views and cart adds refused, minutes out,
    items with minutes out, views."""
    sections: dict[str, dict[str, Any]] = {}
    for row in rows:
        sums = sections.setdefault(row["section"] or "unknown", {"items": set()})
        for name in ("lost_revenue_estimate", "views_out_of_stock", "cart_attempts_out_of_stock",
                     "out_of_stock_minutes", "views"):  # fmt: skip
            sums[name] = sums.get(name, 0) + row[name]
        if row["out_of_stock_minutes"] > 0:
            sums["items"].add(row["item_id"])
    return sections


def utc(text: str) -> datetime:
    """A truth timestamp (`...Z`) as an aware UTC datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def abandoned_from_truth(
    episodes: Iterable[dict], as_of: datetime, idle_hours: int, first: date, last: date
) -> list[dict]:
    """The truth's episodes still holding lines and idle `idle_hours` at `as_of`, started on a
    UTC day from `first` to `last`, with their age and idle time in whole days and hours."""
    carts = []
    for episode in episodes:
        start, changed = utc(episode["episode_start"]), utc(episode["last_changed_at"])
        if episode["status"] != "open" or changed + timedelta(hours=idle_hours) > as_of:
            continue
        if first <= start.date() <= last:
            carts.append({
                "cart_key": episode["cart_key"], "user_id": episode["user_id"],
                "episode_start": start, "last_changed_at": changed,
                "age_days": int((as_of - start).total_seconds() // 86400),
                "idle_hours": int((as_of - changed).total_seconds() // 3600),
                "lines": episode["lines"], "units": episode["units"],
                "value": float(episode["value"]),
            })  # fmt: skip
    return sorted(carts, key=lambda c: (-c["value"], c["episode_start"], c["cart_key"]))


AGE_BANDS = ((3, "0-3 days"), (7, "4-7 days"), (14, "8-14 days"), (30, "15-30 days"),
             (None, "over 30 days"))  # fmt: skip


def age_band(days: int) -> str:
    """The abandoned carts' age band of a cart `days` old (whole days)."""
    return next(band for top, band in AGE_BANDS if top is None or days <= top)


def before_and_after(rows: Iterable[dict]) -> dict[tuple, dict[str, Any]]:
    """Per change `(item_id, changed_at as ISO text, as a card gives it)`: its prices, and the
    daily views, cart adds and purchases over its rows 7 days before the change's day (-7..-1)
    and 7 from it (0..6)."""
    changes: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        if not -7 <= row["day_offset"] <= 6:
            continue
        change = changes.setdefault(
            (row["item_id"], row["changed_at"].isoformat()),
            {"old_price": row["old_price"], "new_price": row["new_price"],
             "before": [0, 0, 0, 0], "after": [0, 0, 0, 0]},
        )  # fmt: skip
        side = change["before" if row["day_offset"] < 0 else "after"]
        for at, value in enumerate((1, row["views"], row["cart_adds"], row["purchased_qty"])):
            side[at] += value
    for change in changes.values():
        for name in ("before", "after"):
            days, *sums = change[name]
            daily = [round(total / days, 2) if days else None for total in sums]
            change[name] = {"days": days, "views": daily[0], "cart_adds": daily[1],
                            "purchases": daily[2]}  # fmt: skip
    return changes
