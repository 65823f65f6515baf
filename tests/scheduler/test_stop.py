"""A stop request ends a run between statements and never leaves dwh half-swapped."""

from __future__ import annotations

import threading
from datetime import date, datetime, timezone

import pytest

from loupe.jobs.registry import all_jobs
from loupe.jobs.run import build_day, build_days
from loupe.scheduler import guard
from loupe.scheduler.guard import StoppableWarehouse, StopRequested
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from tests.helpers.calls import load, visit_calls
from tests.helpers.dwh import dwh_fingerprint

DAY = date(2026, 11, 20)
NEXT_DAY = date(2026, 11, 21)


class StopAfter(threading.Event):
    """A stop flag that turns on once `allowed` statements have been let through."""

    def __init__(self, allowed: int) -> None:
        super().__init__()
        self.left = allowed

    def is_set(self) -> bool:
        self.left -= 1
        return self.left < 0


# The dwh tables a publish swaps whole (the weekly cohorts, the cart episodes).
WHOLE = [job.name for job in all_jobs().values() if job.whole and not job.stage]
EMPTY_OK = "SETTINGS allow_replace_partition_from_empty_source = 1"


def keep_whole_tables(warehouse: Warehouse) -> None:
    """Copy the tables a day's publish swaps whole (hard links), to put them back later."""
    for name in WHOLE:
        warehouse.command(f"CREATE TABLE test_kept_{name} AS dwh.{name}")
        warehouse.command(
            f"ALTER TABLE test_kept_{name} REPLACE PARTITION tuple() FROM dwh.{name} {EMPTY_OK}"
        )


def drop_day(warehouse: Warehouse, day: date) -> None:
    """Put dwh back as it was before `day` was built: its partitions dropped, the whole tables
    back from their copies."""
    for row in warehouse.rows(
        "SELECT name FROM system.tables WHERE database = 'dwh' AND partition_key = 'date'"
    ):
        warehouse.command(f"ALTER TABLE dwh.{row['name']} DROP PARTITION {{d:Date}}", {"d": day})
    for name in WHOLE:
        warehouse.command(
            f"ALTER TABLE dwh.{name} REPLACE PARTITION tuple() FROM test_kept_{name} {EMPTY_OK}"
        )


@pytest.mark.slow
def test_stop_at_any_statement_leaves_dwh_before_or_after_never_between(
    warehouse: Warehouse, settings: Settings
) -> None:
    load(warehouse, visit_calls(datetime(2026, 11, 20, 9, tzinfo=timezone.utc), "a"))
    build_day(warehouse, settings, DAY)
    before = dwh_fingerprint(warehouse)
    keep_whole_tables(warehouse)
    load(warehouse, visit_calls(datetime(2026, 11, 21, 9, tzinfo=timezone.utc), "b"))
    counter = StopAfter(10**6)
    build_day(StoppableWarehouse(warehouse, counter), settings, NEXT_DAY)
    statements = 10**6 - counter.left
    after = dwh_fingerprint(warehouse)
    assert after != before

    outcomes = []
    for allowed in range(statements):
        drop_day(warehouse, NEXT_DAY)
        assert dwh_fingerprint(warehouse) == before
        try:
            build_day(StoppableWarehouse(warehouse, StopAfter(allowed)), settings, NEXT_DAY)
        except StopRequested:
            outcomes.append(("stopped", dwh_fingerprint(warehouse) == before))
        else:
            outcomes.append(("finished", dwh_fingerprint(warehouse) == after))
    assert all(as_expected for _, as_expected in outcomes), outcomes
    stopped = [outcome for outcome, _ in outcomes].count("stopped")
    # Stops before the swap end the run; once the swap began, the day is finished whole.
    assert 0 < stopped < statements
    assert outcomes[:stopped] == [("stopped", True)] * stopped


class StopAtFirstPublish(StoppableWarehouse):
    """Asks to stop as the first day's publish begins (its first partition statement)."""

    def _check(self, sql: str) -> None:
        if guard.PUBLISH.match(sql):
            self.stop.set()
        super()._check(sql)


def test_a_stop_during_a_publish_ends_the_run_once_that_day_is_whole(
    warehouse: Warehouse, settings: Settings
) -> None:
    load(warehouse, visit_calls(datetime(2026, 11, 20, 9, tzinfo=timezone.utc), "a"))
    load(warehouse, visit_calls(datetime(2026, 11, 21, 9, tzinfo=timezone.utc), "b"))
    with pytest.raises(StopRequested):
        build_days(StopAtFirstPublish(warehouse, threading.Event()), settings, [DAY, NEXT_DAY])
    sessions = warehouse.rows("SELECT session_id, toString(date) AS day FROM dwh.sessions")
    assert sessions == [{"session_id": "a", "day": "2026-11-20"}]
