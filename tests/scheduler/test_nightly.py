"""The nightly run rebuilds yesterday and the days that received calls too late for the hourly."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from loupe.errors import LoupeError
from loupe.jobs.audit import all_audits
from loupe.jobs.run import build_day
from loupe.scheduler import Scheduler, SchedulerOptions, default_specs
from loupe.scheduler.nightly import days_to_rebuild
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from tests.helpers.calls import load, visit_calls
from tests.helpers.clock import Clock

OPTIONS = SchedulerOptions(interval_seconds=6 * 3600, lease_settle_seconds=0.01)


def test_days_from_the_earliest_late_one_within_the_limit() -> None:
    yesterday = date(2026, 11, 23)
    assert days_to_rebuild(yesterday, [], 31) == [yesterday]
    assert days_to_rebuild(yesterday, [date(2026, 11, 21)], 31) == [
        date(2026, 11, 21),
        date(2026, 11, 22),
        yesterday,
    ]
    assert days_to_rebuild(yesterday, [date(2026, 10, 1), date(2026, 11, 22)], 2) == [
        date(2026, 11, 22),
        yesterday,
    ]


@pytest.mark.slow
def test_calls_days_late_are_built_by_the_next_nightly_run(
    warehouse: Warehouse, settings: Settings
) -> None:
    # The scheduler's clock is faked but received_at is real: start at 08:00 after the latest real
    # nightly slot (02:30), so that slot opens the window in which the late calls are received,
    # and six hours later is still before the next one, whatever time this runs.
    real = datetime.now(timezone.utc)
    last_slot = real.replace(hour=2, minute=30, second=0, microsecond=0)
    if last_slot > real:
        last_slot -= timedelta(days=1)
    now = last_slot + timedelta(hours=5, minutes=30)
    load(warehouse, visit_calls(now - timedelta(minutes=30), "on-time"))
    clock = Clock(now)
    scheduler = Scheduler(warehouse, default_specs(settings, OPTIONS), OPTIONS, now=clock)
    scheduler.tick()
    late_day = (now - timedelta(days=4)).date()
    load(warehouse, visit_calls(datetime.combine(late_day, time(12), timezone.utc), "late"))

    clock.advance(hours=6)
    scheduler.tick()  # the hourly run: too late for its lookback
    assert warehouse.scalar("SELECT count() FROM dwh.sessions WHERE session_id = 'late'") == 0
    clock.advance(days=1)
    attempts = scheduler.tick()
    assert ("etl_nightly", "success") in [(a.job, a.status) for a in attempts]
    rows = warehouse.rows("SELECT date FROM dwh.sessions WHERE session_id = 'late'")
    assert rows == [{"date": late_day}]


def test_the_nightly_audit_checks_the_days_built_since_the_last_night(
    warehouse: Warehouse, settings: Settings
) -> None:
    [audit] = [spec for spec in default_specs(settings, OPTIONS) if spec.name == "etl_audit"]
    assert audit.depends_on == ("etl_nightly",) and audit.lock == "etl_days"
    now = datetime.now(timezone.utc)
    day = now.date() - timedelta(days=1)
    load(warehouse, visit_calls(datetime.combine(day, time(12), timezone.utc), "audited"))
    build_day(warehouse, settings, day)
    assert audit.run(warehouse, now) == f"{len(all_audits())} audits passed on {day}"

    warehouse.command("INSERT INTO dwh.sessions SELECT * FROM dwh.sessions")  # a visit twice
    failed = f"daily_funnel_matches_sessions on {day}: 1 rows; sessions_one_row_per_visit on {day}"
    with pytest.raises(LoupeError, match=f"audits failed: {failed}: 1 rows$"):
        audit.run(warehouse, now)
    # The next night looks at the days built since this one: none yet.
    assert audit.run(warehouse, now + timedelta(days=1)) == "0 audits passed on no days"
