"""dwh.daily_item_demand's derived columns computed again in Python, from their definitions in
docs/etl.md, to hold the SQL to: the minutes out of stock from stock versions, and the lost
revenue estimate from the table's other columns."""

from __future__ import annotations

from datetime import date, datetime, timedelta


def out_of_stock_minutes(versions: list[dict], start: datetime, end: datetime) -> float:
    """Minutes of [start, end) at quantity 0 or less, one item's `versions` (`version`,
    `valid_from`, `quantity`, `is_deleted`) read as steps: each holds until the next begins.
    Before the first version, and during a deletion, the quantity is unknown: not counted."""
    steps = sorted(versions, key=lambda version: version["version"])
    total = timedelta()
    for step, following in zip(steps, [*steps[1:], None]):
        until = following["valid_from"] if following else end
        if step["quantity"] <= 0 and not step["is_deleted"]:
            total += max(timedelta(), min(until, end) - max(step["valid_from"], start))
    return total / timedelta(milliseconds=1) / 60_000


def lost_revenue(rows: list[dict], day: date) -> dict[int, float]:
    """Each item's estimate on `day` from the table's rows (`date`, `item_id`, `section`,
    `views`, `views_out_of_stock`, `purchased_qty`, `price`): views out of stock x the item's
    purchases per in-stock view over the 28 days before (its section's when it had no in-stock
    view then, 0 when the section had none) x its price."""
    by_item: dict[int, list[int]] = {}
    by_section: dict[str, list[int]] = {}
    for row in rows:
        if day - timedelta(days=28) <= row["date"] < day:
            for sums in (by_item.setdefault(row["item_id"], [0, 0]),
                         by_section.setdefault(row["section"], [0, 0])):  # fmt: skip
                sums[0] += row["purchased_qty"]
                sums[1] += row["views"] - row["views_out_of_stock"]
    estimates = {}
    for row in rows:
        if row["date"] != day:
            continue
        bought, in_stock_views = by_item.get(row["item_id"], [0, 0])
        if not in_stock_views:
            bought, in_stock_views = by_section.get(row["section"], [0, 0])
        rate = bought / in_stock_views if in_stock_views else 0.0
        estimates[row["item_id"]] = row["views_out_of_stock"] * rate * row["price"]
    return estimates
