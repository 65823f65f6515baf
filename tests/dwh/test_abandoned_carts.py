"""dwh.abandoned_carts: the abandoned episodes of dwh.carts with their age and idle time as of the
table's day, for the dashboards."""

from __future__ import annotations

from datetime import date, datetime, timezone

from loupe.jobs.run import build_day
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from tests.helpers.calls import load
from tests.helpers.carts import add, home, moment, order

D16, D17, D20 = date(2026, 11, 16), date(2026, 11, 17), date(2026, 11, 20)


def test_abandoned_carts_with_their_value_and_age(warehouse: Warehouse, settings: Settings) -> None:
    calls = [
        add(moment(10, day=D16), "a", 1, 1, 1, 100),
        add(moment(10, 1, day=D16), "a", 2, 2, 2, 200),
        add(moment(18, 30, day=D17), "c", 3, 1, 1, 70, user=7),
        # Left for days and ordered later: not abandoned.
        add(moment(9, day=D17), "o", 4, 1, 1, 10, user=8),
        order(moment(9, day=D20), "o", 8, [(4, 1, 10)]),
        # Still open at the end of the day built last.
        add(moment(20, day=D20), "n", 5, 1, 1, 10),
        home(moment(21, day=D20), "n"),
    ]
    load(warehouse, calls)
    for day in (D16, D17, D20):
        build_day(warehouse, settings, day)
    rows = warehouse.rows("SELECT * FROM dwh.abandoned_carts ORDER BY cart_key")
    as_of = datetime(2026, 11, 21, tzinfo=timezone.utc)
    assert rows == [
        {"cart_key": "s:a", "user_id": 0, "episode_start": moment(10, day=D16),
         "last_changed_at": moment(10, 1, day=D16), "lines": 2, "units": 3, "value": 500.0,
         "lines_out_of_stock": 0, "age_days": 4, "idle_hours": 109, "as_of": as_of},
        {"cart_key": "u:7", "user_id": 7, "episode_start": moment(18, 30, day=D17),
         "last_changed_at": moment(18, 30, day=D17), "lines": 1, "units": 1, "value": 70.0,
         "lines_out_of_stock": 0, "age_days": 3, "idle_hours": 77, "as_of": as_of},
    ]  # fmt: skip
