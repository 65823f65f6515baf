"""Build business days: stage every job of the day in `etl`, then swap the day into `dwh`.

For each day: parse the user agents first seen around it, write the shop-API map's routes
(etl.routes, for the view dwh.calls), clear the day's staging partitions,
run the jobs' SQL in dependency order (each fills `etl.<job>` for the day), and only when all of
them succeeded publish the day (publish.py): write the day's sessions and users to etl.visitors
(which `is_returning` looks up) and replace the day's partition of each `dwh.<job>` with
`ALTER TABLE ... REPLACE PARTITION` (atomic per table; readers never see a half-built day), all
tables or none; the weekly cohort tables, which any day can change, are staged whole and swapped
with the day (`whole` jobs). A failure leaves `dwh` as it was; a re-run gives identical tables.
Each job's run is recorded in `etl.job_runs` (loupe/job_runs.py).

An hourly run builds a day incrementally (hourly.py): the visits its calls can change are already
staged in `etl.touched_calls`; they join `etl.visit_calls` (which keeps every built day's calls
parsed) as a newer version of those visits, the per-visit jobs rebuild just them, and the rest of
each table is carried over from `dwh`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from loupe import sqlfiles
from loupe.job_runs import day_bounds, record_run, record_runs
from loupe.jobs.channels import channel_parameters
from loupe.jobs.event_map import load_map
from loupe.jobs.publish import DROP_DAY_SQL, publish_day, replace_day, undo_interrupted_publishes
from loupe.jobs.registry import DayJob, plan, query
from loupe.jobs.routes import write_routes
from loupe.jobs.search_queries import update_search_queries
from loupe.jobs.user_agents import update_user_agents
from loupe.settings import Settings
from loupe.warehouse import Warehouse

log = logging.getLogger("loupe.jobs")

VISIT_GAP_MINUTES = 30
VISIT_CAP_HOURS = 24

MISSING_PARSED_DAYS_SQL = query("missing_parsed_days")
MASK_AFFECTED_SQL = query("mask_affected_visits")
FILL_VISITORS_SQL = query("fill_visitors")
OLD_PARSED_DAYS_SQL = query("old_parsed_days")
DAY_ROWS_SQL = query("day_rows")
KEEP_TOUCHED_CALLS_SQL = query("keep_touched_calls")
DAY_HAS_CALLS_SQL = query("day_has_calls")
CLEAR_AGENT_REBUILDS_SQL = query("clear_agent_rebuilds")


@dataclass
class JobResult:
    """One job's outcome for one day."""

    job: str
    day: date
    rows: int
    seconds: float


def visit_parameters(settings: Settings) -> dict:
    """Query parameters of every visit cut: timezone, visit rules, the shop-API map and the
    channel rules."""
    return {
        "timezone": settings.timezone,
        "visit_gap_ms": VISIT_GAP_MINUTES * 60_000,
        "visit_cap_ms": VISIT_CAP_HOURS * 3_600_000,
        **load_map(settings.shop_api_map).query_parameters(),
        **channel_parameters(settings),
    }


def day_parameters(day: date, settings: Settings, incremental: bool = False) -> dict:
    """Query parameters of a day build: bounds, visit rules, the shop-API map and the table the
    jobs read the day's calls from (an hourly run's touched calls, or all of them)."""
    start, end = day_bounds(day, settings.timezone)
    cap = timedelta(hours=VISIT_CAP_HOURS)
    return {
        "day": day,
        "day_start": start,
        "day_end": end,
        "window_start": start - cap,
        "window_end": end + cap,
        "calls": "touched_calls" if incremental else "visit_calls",
        "version": 0,
        "cart_abandoned_after_hours": settings.cart_abandoned_after_hours,
        **visit_parameters(settings),
    }


def _partition_rows(warehouse: Warehouse, table: str, day: date) -> int:
    return warehouse.scalar(DAY_ROWS_SQL, {"day": day, **sqlfiles.names(table=table)})


def _can_build_incrementally(warehouse: Warehouse, day: date) -> bool:
    """An hourly run rebuilds only the affected visits if the day is in dwh and the calls of the
    days around it are kept parsed in etl.visit_calls; otherwise it builds the day in full."""
    return bool(_partition_rows(warehouse, "dwh.sessions", day)) and not warehouse.scalar(
        MISSING_PARSED_DAYS_SQL, {"day": day}
    )


def _stage(warehouse: Warehouse, job: DayJob, params: dict, incremental: bool) -> int:
    day = params["day"]
    if job.whole:
        staging = sqlfiles.names(table=job.staging_table)
        warehouse.command(sqlfiles.load("loupe", "truncate_table"), staging)
        warehouse.command(job.render(incremental), params)
        return int(warehouse.scalar(sqlfiles.load("loupe", "count_rows"), staging) or 0)
    if incremental and job.stage:
        return _keep_touched_calls(warehouse, params)
    if incremental and job.per_visit and _partition_rows(warehouse, job.dwh_table, day):
        _carry_over(warehouse, job.name, params)
    else:
        warehouse.command(DROP_DAY_SQL, {**params, **sqlfiles.names(table=job.staging_table)})
    warehouse.command(job.render(incremental), params)
    return _partition_rows(warehouse, job.staging_table, day)


def _keep_touched_calls(warehouse: Warehouse, params: dict) -> int:
    """Add the day's visits that run_hourly rebuilt in etl.touched_calls to etl.visit_calls (hard
    links, no copy), so the next hourly run finds every call parsed. Their earlier rows stay: a
    newer version supersedes them (jobs/sql/visit_calls.sql), which spares a DELETE on the day's
    largest table. Returns how many calls the day's rebuilt visits have."""
    rows = _partition_rows(warehouse, "etl.touched_calls", params["day"])
    if rows:
        warehouse.command(KEEP_TOUCHED_CALLS_SQL, params)
    return rows


def _carry_over(warehouse: Warehouse, name: str, params: dict) -> None:
    """Start an hourly run's staging partition from the day in dwh, minus the affected visits."""
    replace_day(warehouse, f"etl.{name}", f"dwh.{name}", params)
    warehouse.command(MASK_AFFECTED_SQL, {**params, "table": name})


def _fill_visitors_if_empty(warehouse: Warehouse) -> None:
    """Fill etl.visitors (the sessions and users with visits per day, which `is_returning` looks
    up) from dwh.sessions when it is empty but the days built are not."""
    count = sqlfiles.load("loupe", "count_rows")
    if not warehouse.scalar(count, sqlfiles.names(table="etl.visitors")) and warehouse.scalar(
        count, sqlfiles.names(table="dwh.sessions")
    ):
        warehouse.command(FILL_VISITORS_SQL)


def build_day(
    warehouse: Warehouse,
    settings: Settings,
    day: date,
    jobs: list[str] | None = None,
    incremental: bool = False,
    on_job: Callable[[JobResult], None] | None = None,
) -> list[JobResult]:
    """Stage the selected jobs (and what they read) for `day`, then swap them into dwh.

    `incremental` (from run_hourly, which staged etl.touched_calls) rebuilds only the affected
    visits, when the day allows it. A publish that a crash interrupted is undone first
    (publish.py); run it holding the ETL lease, as the CLI and the scheduler do. `on_job` is
    called after each job is staged (progress bars)."""
    started = datetime.now(timezone.utc)
    undo_interrupted_publishes(warehouse)
    incremental = incremental and _can_build_incrementally(warehouse, day)
    params = day_parameters(day, settings, incremental)
    update_user_agents(warehouse, params["window_start"], params["window_end"])
    write_routes(warehouse, load_map(settings.shop_api_map))
    steps = plan(jobs)
    builds_sessions = any(job.name == "sessions" for job in steps)
    results: list[JobResult] = []
    current = "user_agents"
    try:
        if builds_sessions:
            _fill_visitors_if_empty(warehouse)
        for job in steps:
            current = job.name
            clock = time.perf_counter()
            rows = _stage(warehouse, job, params, incremental)
            if job.name == "visit_calls":
                # The day's new search queries get their normal form (catalog_sessions reads it).
                update_search_queries(warehouse, day)
            results.append(JobResult(job.name, day, rows, time.perf_counter() - clock))
            if on_job:
                on_job(results[-1])
        current = "publish"
        publish_day(
            warehouse,
            [job for job in steps if not job.stage],
            {**params, "incremental": incremental},
            # The build's start time: a later build of the day supersedes its etl.visitors rows.
            version=int(started.timestamp() * 1000),
            update_visitors=builds_sessions,
        )
    except Exception as exc:
        record_run(warehouse, current, day, day, started, 0, error=str(exc)[:2000])
        raise
    record_runs(warehouse, [(result.job, result.rows) for result in results], day, day, started)
    return results


def days_without_calls(warehouse: Warehouse, settings: Settings, days: list[date]) -> list[date]:
    """The days (business days in `settings.timezone`) that have no call in pd.api_calls.

    A manual build or audit of such a day would report success on nothing; the commands refuse it
    unless told an empty day is expected. One index lookup per day (the table is partitioned and
    indexed by ts).
    """
    empty = []
    for day in days:
        start, end = day_bounds(day, settings.timezone)
        if not warehouse.scalar(DAY_HAS_CALLS_SQL, {"start": start, "end": end}):
            empty.append(day)
    return empty


def days_between(first: date, last: date) -> list[date]:
    """Every day from `first` to `last`, inclusive."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def build_days(
    warehouse: Warehouse,
    settings: Settings,
    days: list[date],
    jobs: list[str] | None = None,
    on_day: Callable[[date, list[JobResult]], None] | None = None,
    on_job: Callable[[JobResult], None] | None = None,
) -> list[JobResult]:
    """Build each day in order (earlier days first: `is_returning` reads the days before), then
    drop the parsed calls that hourly runs no longer need. `on_day` and `on_job` are called
    after each day and each job (progress bars)."""
    results = []
    for day in sorted(days):
        day_results = build_day(warehouse, settings, day, jobs, on_job=on_job)
        results.extend(day_results)
        if on_day:
            on_day(day, day_results)
    if any(result.job == "sessions" for result in results):
        # These days now follow the current classification of user agents.
        warehouse.command(CLEAR_AGENT_REBUILDS_SQL, {"days": [str(day) for day in days]})
    drop_old_parsed_days(warehouse, settings.etl_parsed_calls_days)
    return results


def drop_old_parsed_days(warehouse: Warehouse, keep_days: int) -> list[date]:
    """Drop the days of etl.visit_calls more than `keep_days` before its newest one, which would
    otherwise keep a parsed copy of every day ever built; returns the days dropped. An hourly run
    of a day whose neighbours were dropped builds it in full (`_can_build_incrementally`)."""
    days = [row["day"] for row in warehouse.rows(OLD_PARSED_DAYS_SQL, {"keep_days": keep_days})]
    for day in days:
        parsed = sqlfiles.names(table="etl.visit_calls")
        warehouse.command(DROP_DAY_SQL, {**parsed, "day": day})
    return days
