"""The hourly run: rebuild only the visits that the calls received since the last run can change.

Lateness guarantee (docs/etl.md): a call is picked up by the first hourly run after it arrives
when its time `ts` is at most `lookback` (default 6 hours) older than the newest call time the
previous hourly run had seen; a later call waits for the nightly re-run of its date
(`loupe etl run --date D`). The run reads the calls received since the previous run's watermark
(`received_at`), notes their sessions in `etl.touched_sessions`, and finds in `dwh.sessions` the
visits those calls can change (`etl.affected_visits`). It parses only the new calls, reads the
affected visits' other calls already parsed from `etl.visit_calls`, cuts them into visits again
(`etl.touched_calls`), and then, for each business day concerned, replaces just those visits'
rows and swaps the day in whole, as a full build does (run.py). Work follows what arrived, not
the size of the day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from loupe import sqlfiles
from loupe.job_runs import record_run
from loupe.jobs.publish import undo_interrupted_publishes
from loupe.jobs.registry import all_jobs, query
from loupe.jobs.run import JobResult, build_day, visit_parameters
from loupe.settings import Settings
from loupe.warehouse import Warehouse

JOB = "hourly"
EPOCH = datetime.fromtimestamp(0, timezone.utc)
RESET_TABLES = ("etl.touched_sessions", "etl.affected_visits", "etl.touched_calls")

LAST_RUN_SQL = query("hourly_last_run")
NEW_CALLS_SQL = query("hourly_new_calls")
FILL_TOUCHED_SQL = query("hourly_touched_sessions")
FILL_AFFECTED_SQL = query("hourly_affected_visits")
FILL_BURST_SQL = query("hourly_burst_visits")
DAYS_SQL = query("hourly_days")
NEWEST_CALL_SQL = query("newest_call")


@dataclass
class HourlyResult:
    """What an hourly run did."""

    calls: int
    sessions: int
    days: list[date]
    results: list[JobResult]


def run_hourly(
    warehouse: Warehouse, settings: Settings, lookback: timedelta = timedelta(hours=6)
) -> HourlyResult:
    """Process the calls received since the last hourly run (see the module docstring)."""
    started = datetime.now(timezone.utc)
    # Before reading dwh.sessions for the affected visits: a crashed publish may have left a day
    # with some tables swapped.
    undo_interrupted_publishes(warehouse)
    last = warehouse.rows(LAST_RUN_SQL, {"job": JOB})[0]
    watermark = last["watermark"] or EPOCH
    if watermark <= EPOCH:
        # First run: everything received so far, within the lookback of the newest call.
        newest = warehouse.scalar(NEWEST_CALL_SQL) or EPOCH
        ts_floor = max(newest - lookback, EPOCH)
    else:
        ts_floor = max(last["ts_watermark"] - lookback, EPOCH)
    found = warehouse.rows(NEW_CALLS_SQL, {"watermark": watermark, "ts_floor": ts_floor})[0]
    if not found["calls"]:
        record_run(
            warehouse,
            JOB,
            started.date(),
            started.date(),
            started,
            0,
            watermark=watermark,
            ts_watermark=last["ts_watermark"] or EPOCH,
        )
        return HourlyResult(0, 0, [], [])
    params = {
        **visit_parameters(settings),
        "watermark": watermark,
        "new_watermark": found["watermark"],
        "ts_floor": ts_floor,
        "calls": "touched_calls",
        # The version of the visits this run rebuilds: its start time. Runs are serialized (the
        # ETL lease), so a later run has a higher version, and so has the retry of a failed run,
        # which processes the same calls (the watermark did not move) and must supersede any
        # rows the failure left in etl.visit_calls.
        "version": int(started.timestamp() * 1000),
    }
    sessions = _stage_affected_visits(warehouse, params)
    days = warehouse.scalar(DAYS_SQL)
    results: list[JobResult] = []
    for day in days:
        results.extend(build_day(warehouse, settings, day, incremental=True))
    ts_watermark = max(found["ts_watermark"], last["ts_watermark"] or EPOCH)
    record_run(
        warehouse,
        JOB,
        days[0],
        days[-1],
        started,
        sum(r.rows for r in results),
        watermark=found["watermark"],
        ts_watermark=ts_watermark,
    )
    return HourlyResult(found["calls"], sessions, days, results)


def _stage_affected_visits(warehouse: Warehouse, params: dict) -> int:
    """Fill etl.touched_sessions, etl.affected_visits and etl.touched_calls; return how many
    sessions the new calls touch."""
    for table in RESET_TABLES:
        warehouse.command(sqlfiles.load("loupe", "truncate_table"), sqlfiles.names(table=table))
    warehouse.command(FILL_TOUCHED_SQL, params)
    warehouse.command(FILL_AFFECTED_SQL, params)
    warehouse.command(FILL_BURST_SQL, params)
    warehouse.command(all_jobs()["visit_calls"].render(incremental=True), params)
    touched = sqlfiles.names(table="etl.touched_sessions")
    return warehouse.scalar(sqlfiles.load("loupe", "count_rows"), touched)
