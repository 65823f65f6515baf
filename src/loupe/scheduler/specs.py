"""Schedules as data: the job specs, their slots, and the order they run in.

A slot is the instant a job is due (the start of an hour for hourly jobs, a night's `HH:MM` for
nightly ones). The scheduler runs every slot since a job's last successful one, oldest first; a
job that has never succeeded runs only its latest slot (a new install does not replay history).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Protocol
from zoneinfo import ZoneInfo

from loupe import sqlfiles
from loupe.errors import LoupeError
from loupe.jobs.audit import audit_days_built_since, failure_summary
from loupe.jobs.hourly import run_hourly
from loupe.retention import Limits
from loupe.scheduler.lease import ETL_LOCK
from loupe.scheduler.nightly import run_nightly
from loupe.scheduler.options import SchedulerOptions
from loupe.scheduler.retention import run_retention
from loupe.schema.ddl import DDL
from loupe.schema.link import LINK_DATABASE
from loupe.settings import Settings
from loupe.warehouse import Warehouse

JobFunction = Callable[[Warehouse, datetime], str]


class Schedule(Protocol):
    def slot_at_or_before(self, moment: datetime) -> datetime: ...

    def next_after(self, slot: datetime) -> datetime: ...


@dataclass(frozen=True)
class Every:
    """Every `seconds`, on multiples of it since the Unix epoch (hourly: on the hour, UTC)."""

    seconds: int

    def slot_at_or_before(self, moment: datetime) -> datetime:
        step = int(moment.timestamp()) // self.seconds * self.seconds
        return datetime.fromtimestamp(step, timezone.utc)

    def next_after(self, slot: datetime) -> datetime:
        return slot + timedelta(seconds=self.seconds)


@dataclass(frozen=True)
class DailyAt:
    """Once a day at `hour:minute` in the business timezone."""

    hour: int
    minute: int
    tz: str

    def _at(self, day: date) -> datetime:
        local = datetime.combine(day, time(self.hour, self.minute), ZoneInfo(self.tz))
        return local.astimezone(timezone.utc)

    def slot_at_or_before(self, moment: datetime) -> datetime:
        day = moment.astimezone(ZoneInfo(self.tz)).date()
        slot = self._at(day)
        return slot if slot <= moment else self._at(day - timedelta(days=1))

    def next_after(self, slot: datetime) -> datetime:
        return self._at(slot.astimezone(ZoneInfo(self.tz)).date() + timedelta(days=1))


@dataclass(frozen=True)
class JobSpec:
    """A scheduled job: `run(warehouse, slot)` returns a one-line summary of what it did.

    `lock` names the lease it runs under: jobs that write the same staging tables share one.
    """

    name: str
    schedule: Schedule
    run: JobFunction
    depends_on: tuple[str, ...] = ()
    lock: str = ""

    @property
    def lock_name(self) -> str:
        return self.lock or self.name


def due_slots(schedule: Schedule, last_success: datetime | None, now: datetime) -> list[datetime]:
    """The slots to run at `now`: every one after `last_success`, oldest first."""
    latest = schedule.slot_at_or_before(now)
    if last_success is None:
        return [latest]
    slots = []
    slot = schedule.next_after(last_success)
    while slot <= latest:
        slots.append(slot)
        slot = schedule.next_after(slot)
    return slots


def production_linked(warehouse: Warehouse) -> bool:
    """Whether `loupe init` linked the production database (the `mysql` schema exists)."""
    exists = sqlfiles.load("loupe", "database_exists")
    return bool(warehouse.scalar(exists, {"db": LINK_DATABASE}))


def in_dependency_order(specs: list[JobSpec]) -> list[JobSpec]:
    """The specs with every job after the jobs it depends on (unknown dependencies ignored)."""
    by_name = {spec.name: spec for spec in specs}
    ordered: list[JobSpec] = []
    visiting: set[str] = set()

    def visit(spec: JobSpec) -> None:
        if spec in ordered:
            return
        if spec.name in visiting:
            raise LoupeError(f"scheduled jobs depend on each other in a cycle through {spec.name}")
        visiting.add(spec.name)
        for name in spec.depends_on:
            if name in by_name:
                visit(by_name[name])
        ordered.append(spec)

    for spec in specs:
        visit(spec)
    return ordered


def business_yesterday(slot: datetime, tz: str) -> date:
    """The business day before the slot's own (what a nightly run rebuilds)."""
    return slot.astimezone(ZoneInfo(tz)).date() - timedelta(days=1)


def default_specs(
    settings: Settings, options: SchedulerOptions, production_linked: bool = False
) -> list[JobSpec]:
    """Loupe's schedule: the hourly ETL, the nightly re-run of yesterday, audit of the days
    built and retention (scheduler/retention.py), and (once `loupe init` linked the production
    database, and the history package is there) hourly snapshots and nightly order
    reconciliation."""
    hourly = Every(options.interval_seconds)
    hour, minute = options.nightly_hour_minute
    nightly = DailyAt(hour, minute, settings.timezone)
    lookback = timedelta(hours=options.lookback_hours)

    def etl_hourly(warehouse: Warehouse, slot: datetime) -> str:
        result = run_hourly(warehouse, settings, lookback)
        days = ", ".join(str(day) for day in result.days) or "none"
        return f"{result.calls} new calls in {result.sessions} sessions; days rebuilt: {days}"

    def etl_nightly(warehouse: Warehouse, slot: datetime) -> str:
        previous = nightly.slot_at_or_before(slot - timedelta(seconds=1))
        yesterday = business_yesterday(slot, settings.timezone)
        return run_nightly(warehouse, settings, slot, previous, yesterday, options.nightly_max_days)

    def etl_audit(warehouse: Warehouse, slot: datetime) -> str:
        previous = nightly.slot_at_or_before(slot - timedelta(seconds=1))
        days, results = audit_days_built_since(warehouse, settings, previous)
        failed = failure_summary(results)
        if failed:
            raise LoupeError(f"audits failed: {failed}")
        return f"{len(results)} audits passed on {', '.join(map(str, days)) or 'no days'}"

    def retention(warehouse: Warehouse, slot: datetime) -> str:
        return run_retention(warehouse, settings, slot).summary()

    # Both ETL jobs stage days in the same etl.* tables: one lease keeps them apart.
    specs = [
        JobSpec("etl_hourly", hourly, etl_hourly, lock=ETL_LOCK),
        JobSpec("etl_nightly", nightly, etl_nightly, ("etl_hourly",), lock=ETL_LOCK),
        # Audits read dwh: under the same lease, no build swaps a day while they read it.
        JobSpec("etl_audit", nightly, etl_audit, ("etl_nightly",), lock=ETL_LOCK),
        # Drops days from the tables the ETL swaps days into: under the ETL's lease too.
        JobSpec("retention", nightly, retention, ("etl_nightly",), lock=ETL_LOCK),
    ]
    if production_linked and _history_ready():
        specs.extend(_history_specs(settings, hourly, nightly))
    return specs


def _history_ready() -> bool:
    # The history package is built alongside the scheduler; schedule it once it is importable.
    return importlib.util.find_spec("loupe.history") is not None


def _history_specs(settings: Settings, hourly: Schedule, nightly: Schedule) -> list[JobSpec]:
    from loupe.history import reconcile_orders, refresh_dimensions, run_snapshot
    from loupe.ingest.hash_key import hash_key

    def snapshot(warehouse: Warehouse, slot: datetime) -> str:
        ddl = DDL(settings.cluster)
        key = hash_key(settings)  # reads the erasure list: erased persons are not copied back
        results = run_snapshot(warehouse, ddl=ddl, key=key)
        copied = refresh_dimensions(
            warehouse, settings.timezone, ddl, Limits.at(settings, slot).dwh, key
        )
        written = sum(result.written for result in results)
        return f"{len(results)} entities, {written} versions; dimensions {copied}"

    def reconcile(warehouse: Warehouse, slot: datetime) -> str:
        day = business_yesterday(slot, settings.timezone)
        reconcile_orders(warehouse, settings.timezone, day, day, hash_key(settings))
        return f"orders of {day} reconciled"

    return [
        JobSpec("snapshot", hourly, snapshot, ("etl_hourly",)),
        JobSpec("reconcile", nightly, reconcile, ("etl_nightly", "snapshot")),
    ]
