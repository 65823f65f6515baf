"""A simulated shop, snapshotted as of each of its hourly commits in simulated time: history
answers as the database was at each commit's instant, on the calls' timeline."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from itertools import pairwise

import pytest

from loupe.errors import LoupeError
from loupe.history import as_of
from loupe.history.run import SnapshotReport, snapshot_each_commit, take_snapshot
from loupe.ingest.writer import open_writer
from loupe.settings import Settings
from loupe.simulate import SimulationOptions, WriterOutput, run_simulation
from loupe.warehouse import Warehouse
from tests.helpers.shop import Shop

STATE_SQL = {
    "cart": "SELECT cart_key, item_id, user_id, session_id, qty, price FROM cart",
    "favorites": "SELECT user_id, item_id FROM favorites",
    "stock": "SELECT item_id, quantity FROM stock",
}


@pytest.mark.slow
def test_hourly_snapshots_of_a_simulated_shop(
    linked: Warehouse, shop: Shop, linked_settings: Settings
) -> None:
    options = SimulationOptions(
        days=3,
        start=date(2026, 11, 19),
        visits_per_day=150,
        items=120,
        seed=5,
        db_url=shop.url,
        replace_db=True,  # the fixture's empty tables, which the link was made over
    )
    reports: list[SnapshotReport] = []
    states: list[dict[str, set]] = []
    instants: list[datetime] = []
    snapshot = snapshot_each_commit(linked_settings, linked, reports)

    def on_commit(instant: datetime) -> None:
        snapshot(instant)
        instants.append(instant)
        states.append({name: set(shop.fetch(sql)) for name, sql in STATE_SQL.items()})

    output = WriterOutput(open_writer(linked_settings, linked, source="test"))
    try:
        run_simulation(options, output, on_commit=on_commit)
    finally:
        output.close()

    # A commit in each simulated hour with changes (most hours of a day), instants growing.
    assert len(instants) > 1 + 3 * 12
    assert all(later > earlier for earlier, later in pairwise(instants))
    # A version is never dated before the change it holds (the simulated call's time).
    early = linked.scalar(
        "SELECT count() FROM history.stock_versions WHERE valid_from < updated_at"
    )
    assert early == 0
    for report, instant, state in zip(reports, instants, states):
        assert report.snapshots[0].snapshot_id == int(instant.timestamp() * 1000)
        for name, sql in STATE_SQL.items():
            columns = [part.strip() for part in sql[len("SELECT ") :].split(" FROM ")[0].split(",")]
            table = as_of(linked, name, instant).select(columns)
            assert set(zip(*table.to_pydict().values())) == state[name], (name, instant)
    assert all(len(state["cart"]) > 0 for state in states[1:])
    # Versions written = keys added, changed or gone since the commit before, nothing else.
    previous: dict = {}
    for report, state in zip(reports, states):
        current = {row[:2]: row[2:] for row in state["cart"]}
        expected = len(current.keys() ^ previous.keys())
        expected += sum(current[key] != previous[key] for key in current.keys() & previous.keys())
        assert report.snapshots[2].entity == "cart"
        assert report.snapshots[2].written == expected
        previous = current

    with pytest.raises(LoupeError, match="later than now"):
        take_snapshot(
            linked_settings, linked, as_of=datetime.now(timezone.utc) + timedelta(hours=1)
        )
    with pytest.raises(LoupeError, match="already holds a snapshot"):
        take_snapshot(linked_settings, linked, as_of=instants[-1])
    final = take_snapshot(linked_settings, linked, reconcile_days=3)
    assert all(result.written == 0 for result in final.snapshots)
    assert final.reconciliation is not None
    days = final.reconciliation.days
    assert [day["date"] for day in days] == ["2026-11-19", "2026-11-20", "2026-11-21"]
    assert all(day["match_rate"] == 1.0 and day["db_orders"] > 0 for day in days)
    assert final.reconciliation.unmatched == 0
    assert final.dimensions["orders"] == sum(day["db_orders"] for day in days)
