"""Building a day (jobs/run.py): each job recorded, a failed build leaves dwh as it was, and
parsed calls kept for recent days only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from loupe.jobs.run import build_day, build_days, drop_old_parsed_days
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from tests.helpers.calls import (
    DAY,
    at,
    call,
    load,
)
from tests.helpers.dwh import table_away, visits


def test_failed_build_leaves_dwh_as_it_was(warehouse: Warehouse, settings: Settings) -> None:
    load(warehouse, [call(at(10))])
    build_day(warehouse, settings, DAY)
    before = visits(warehouse)
    load(warehouse, [call(at(11), session="new")])
    with (
        table_away(warehouse, "etl.product_sessions"),
        pytest.raises(Exception, match="product_sessions"),
    ):
        build_day(warehouse, settings, DAY)
    assert visits(warehouse) == before  # sessions were staged, but nothing was swapped
    failed = warehouse.rows("SELECT job, error FROM etl.job_runs WHERE status = 'failed'")
    assert failed and failed[0]["job"] == "product_sessions"


def test_each_job_of_a_day_build_is_recorded(warehouse: Warehouse, settings: Settings) -> None:
    load(warehouse, [call(at(10)), call(at(10, 5)), call(at(12), session="s2")])
    results = build_day(warehouse, settings, DAY)
    runs = warehouse.rows(
        "SELECT job, rows_written, range_start, run_id FROM etl.job_runs WHERE status = 'success'"
    )
    assert sorted((r["job"], r["rows_written"]) for r in runs) == sorted(
        (r.job, r.rows) for r in results
    )
    assert ("sessions", 2) in [(r.job, r.rows) for r in results]
    assert {r["range_start"] for r in runs} == {DAY}
    assert len({r["run_id"] for r in runs}) == len(runs)


def test_builds_keep_the_parsed_calls_of_recent_days_only(
    warehouse: Warehouse, settings: Settings
) -> None:
    days = [DAY - timedelta(days=9), DAY - timedelta(days=1), DAY]
    load(warehouse, [call(at(10, day=day), session=f"s-{day}") for day in days])
    assert settings.etl_parsed_calls_days == 7
    build_days(warehouse, settings, days)
    parsed = warehouse.rows("SELECT DISTINCT date FROM etl.visit_calls ORDER BY date")
    assert [row["date"] for row in parsed] == days[1:]  # 9 days before the newest: dropped
    built = warehouse.rows("SELECT DISTINCT date FROM dwh.sessions ORDER BY date")
    assert [row["date"] for row in built] == days  # the analytical tables keep every day
    assert drop_old_parsed_days(warehouse, 1) == []
    assert drop_old_parsed_days(warehouse, 0) == [DAY - timedelta(days=1)]
