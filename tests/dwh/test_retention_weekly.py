"""dwh.retention_weekly and dwh.repeat_purchase_weekly: every cell of every cohort equals the
simulator's truth, counted here from its visits (docs/etl.md)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from loupe.settings import load_settings
from loupe.warehouse import Warehouse
from tests.helpers.builds import built_warehouse
from tests.helpers.simulation import Run, simulate

FIRST = date(2026, 11, 16)  # a Monday
DAYS = 17  # three weeks, the last one cut short


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return simulate(
        tmp_path_factory.mktemp("cohorts_sim"), days=DAYS, start=FIRST, visits_per_day=60
    )


@pytest.fixture(scope="module")
def built(run: Run, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    base = tmp_path_factory.mktemp("cohorts_wh")
    settings = load_settings(data_dir=base / "wh", spool_dir=base / "spool", production_url="")
    last = FIRST + timedelta(days=DAYS - 1)
    with built_warehouse(settings, Path(run.out_dir), FIRST, last) as warehouse:
        yield warehouse


def monday(day: str) -> date:
    moment = date.fromisoformat(day)
    return moment - timedelta(days=moment.weekday())


def truth_cohorts(visits: list[dict], buyers_only: bool) -> dict[tuple[date, int], tuple]:
    """(cohort week, offset) -> (cohort size, members active that week, members with an order,
    orders, revenue), from the truth's human visits, dense up to the newest week."""
    weekly: dict[str, dict[date, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    newest = max(monday(v["date"]) for v in visits if not v["is_bot"])
    for visit in visits:
        if visit["is_bot"] or (buyers_only and not visit["orders"]):
            continue
        key = f"u:{visit['user_id']}" if visit["user_id"] else f"s:{visit['session_id']}"
        cell = weekly[key][monday(visit["date"])]
        cell[0] += visit["orders"]
        cell[1] += visit["revenue"]
    cells: dict[tuple[date, int], list] = {}
    sizes: dict[date, int] = defaultdict(int)
    for weeks in weekly.values():
        cohort = min(weeks)
        sizes[cohort] += 1
        for week, (orders, revenue) in weeks.items():
            cell = cells.setdefault((cohort, (week - cohort).days // 7), [0, 0, 0, 0])
            cell[0] += 1
            cell[1] += orders > 0
            cell[2] += orders
            cell[3] += revenue
    return {
        (cohort, offset): (size, *cells.get((cohort, offset), (0, 0, 0, 0)))
        for cohort, size in sizes.items()
        for offset in range((newest - cohort).days // 7 + 1)
    }


def test_every_retention_cell_equals_the_truth(built: Warehouse, run: Run) -> None:
    expected = truth_cohorts(run.truth("visits.ndjson"), buyers_only=False)
    rows = built.rows("SELECT * FROM dwh.retention_weekly")
    got = {
        (r["cohort_week"], r["week_offset"]): (
            r["visitors"], r["returning_visitors"], r["buyers"], r["orders"], r["revenue"]
        )
        for r in rows
    }  # fmt: skip
    assert len(rows) == len(got) == len(expected) == 6  # 3 cohorts: 3 + 2 + 1 cells
    assert got == expected
    assert any(cell[1] for (_, offset), cell in got.items() if offset > 0)  # some came back


def test_every_repeat_purchase_cell_equals_the_truth(built: Warehouse, run: Run) -> None:
    expected = truth_cohorts(run.truth("visits.ndjson"), buyers_only=True)
    rows = built.rows("SELECT * FROM dwh.repeat_purchase_weekly")
    got = {
        (r["cohort_week"], r["week_offset"]): (
            r["buyers"], r["repeat_buyers"], r["repeat_buyers"], r["orders"], r["revenue"]
        )
        for r in rows
    }  # fmt: skip
    assert expected and got == expected
