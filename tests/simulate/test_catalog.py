"""The catalog's prices and the demand they meet: a repriced item's price factor, and a week of
traffic in which price cuts visibly raise an item's views and cart adds (rises lower them)."""

from __future__ import annotations

import random
import sqlite3
from datetime import timedelta

from loupe.simulate.catalog import ELASTICITY, build_catalog, reprice
from tests.helpers.simulation import Run, simulate


def test_a_repriced_item_meets_demand_by_its_price() -> None:
    items = build_catalog(400, random.Random(1))
    first = {item.id: item.price for item in items}
    # Until repriced, demand is popularity exactly: the draws are those of a shop without it.
    assert all(item.price_factor == 1.0 and item.demand == item.popularity for item in items)
    changed = reprice(items, random.Random(2), share=0.5)
    assert len(changed) > 150
    for item, before in changed:
        assert before == first[item.id] == item.first_price
        assert item.price_factor == (before / item.price) ** ELASTICITY
        assert (item.demand > item.popularity) == (item.price < before)


def per_day_means(run: Run, metric: str) -> dict[str, tuple[float, float]]:
    """For each price change of the run (cuts and rises apart), the item's mean daily `metric`
    (people only) on the run's days before the change, and on the day of the change and after;
    returned as the means of those means over the changes of each kind."""
    demand = {(row["date"], row["item_id"]): row[metric] for row in run.truth("item_days.ndjson")}
    days = [(run.options.start + timedelta(days=n)).isoformat() for n in range(run.options.days)]
    sums = {"cut": [0.0, 0.0, 0], "rise": [0.0, 0.0, 0]}
    for change in run.truth("price_changes.ndjson"):
        day = change["changed_at"][:10]
        before = [demand.get((d, change["item_id"]), 0) for d in days if d < day]
        after = [demand.get((d, change["item_id"]), 0) for d in days if d >= day]
        totals = sums["cut" if change["new_price"] < change["old_price"] else "rise"]
        totals[0] += sum(before) / len(before)
        totals[1] += sum(after) / len(after)
        totals[2] += 1
    return {kind: (b / n, a / n) for kind, (b, a, n) in sums.items()}


def test_price_cuts_raise_views_and_cart_adds(tmp_path) -> None:
    run = simulate(tmp_path, days=7, visits_per_day=600)
    changes = run.truth("price_changes.ndjson")
    cuts = [change for change in changes if change["new_price"] < change["old_price"]]
    assert len(changes) >= 40 and len(cuts) >= 20
    assert all(change["new_price"] != change["old_price"] for change in changes)
    # The changes are those of the production database: an item's last one is its price there.
    with sqlite3.connect(run.db_path) as connection:
        prices = dict(connection.execute("SELECT id, price FROM items"))
    last = {change["item_id"]: change["new_price"] for change in changes}
    assert {item_id: prices[item_id] for item_id in last} == last
    views, adds = per_day_means(run, "views"), per_day_means(run, "cart_adds")
    before, after = views["cut"]
    assert after > 1.2 * before
    before, after = adds["cut"]
    assert after > 1.5 * before
    before, after = views["rise"]
    assert after < before
