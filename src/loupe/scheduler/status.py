"""`loupe status`: how fresh the tables are, how the jobs ran, what failed, what waits.

Staleness (what makes the exit code non-zero): ingestion is stale when the newest
`pd.api_calls.received_at` is older than `max_lag`; the ETL is stale when `dwh.sessions` (every
call belongs to a visit) ends more than `max_lag` before the newest call time, or is empty while
calls exist; a job is stale when its next slot is overdue by more than `max_lag`. Other tables
show their newest row and lag behind now, and each schema the oldest day it keeps (retention),
for information. A day whose publish a crash cut short (half its tables new, half old, until the
next ETL run puts it back: jobs/publish.py) is stale too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from loupe import sqlfiles
from loupe.ingest.spool import Spool
from loupe.jobs.publish import interrupted_publishes
from loupe.scheduler import metrics
from loupe.scheduler.ledger import sql
from loupe.scheduler.retention import oldest_days
from loupe.scheduler.specs import JobSpec
from loupe.settings import Settings
from loupe.warehouse import Warehouse

JOBS_SQL = sql("status_jobs")
FAILURES_SQL = sql("status_failures")
DISK_SQL = sql("status_disk")
REJECTED_SQL = sql("status_rejected")
CALLS_SQL = sql("status_calls")
TABLE_SQL = sql("status_table")
RECONCILIATION_SQL = sql("status_reconciliation")


@dataclass(frozen=True)
class Watched:
    """A table and its time column; `checked` against `now` (ingestion) or the newest `call`."""

    table: str
    column: str
    checked: Literal["now", "call", ""] = ""


TABLES = (
    Watched("pd.api_calls", "received_at", checked="now"),
    Watched("dwh.sessions", "end_ts", checked="call"),
    Watched("dwh.catalog_sessions", "ts"),
    Watched("dwh.product_sessions", "first_view_ts"),
)


def _minutes(delta: timedelta) -> float:
    return round(delta.total_seconds() / 60, 1)


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo:
        return moment
    return moment.replace(tzinfo=timezone.utc)


def _iso(moment: datetime | None) -> str | None:
    return _utc(moment).isoformat(timespec="seconds") if moment else None


def _exists(warehouse: Warehouse, table: str) -> bool:
    database, _, name = table.partition(".")
    count = warehouse.scalar(sqlfiles.load("loupe", "table_exists"), {"d": database, "n": name})
    return bool(count)


def table_freshness(warehouse: Warehouse, now: datetime, max_lag: timedelta) -> list[dict]:
    """Newest row, lag behind now and staleness of each watched table (also sets the gauges)."""
    newest_call = None
    if _exists(warehouse, "pd.api_calls"):
        calls = warehouse.rows(CALLS_SQL)[0]
        newest_call = _utc(calls["newest"]) if calls["n"] else None
    tables = []
    for watched in TABLES:
        if not _exists(warehouse, watched.table):
            continue
        params = {"column": watched.column, **sqlfiles.names(table=watched.table)}
        row = warehouse.rows(TABLE_SQL, params)[0]
        newest = _utc(row["newest"]) if row["rows"] else None
        lag = now - newest if newest else None
        stale, note = False, "" if row["rows"] else "empty"
        if watched.checked == "now" and lag is not None and lag > max_lag:
            stale, note = True, f"nothing received for {_minutes(lag)} min"
        elif watched.checked == "call" and newest_call is not None:
            if newest is None:
                stale, note = True, "empty while pd.api_calls has calls"
            elif newest_call - newest > max_lag:
                stale, note = True, f"{_minutes(newest_call - newest)} min behind the newest call"
        if lag is not None:
            metrics.TABLE_LAG.labels(watched.table).set(lag.total_seconds())
        tables.append(
            {
                "table": watched.table,
                "rows": row["rows"],
                "newest": _iso(newest),
                "lag_minutes": _minutes(lag) if lag is not None else None,
                "stale": stale,
                "note": note,
            }
        )
    return tables


def job_status(
    warehouse: Warehouse, specs: list[JobSpec], now: datetime, max_lag: timedelta
) -> list[dict]:
    """Per job: last attempt, its duration and result, last success, next run, staleness."""
    runs = {row["job"]: row for row in warehouse.rows(JOBS_SQL)}
    jobs = []
    for spec in specs:
        run = runs.get(spec.name)
        latest_slot = spec.schedule.slot_at_or_before(now)
        last_success = _utc(run["last_success_slot"]) if run and run["successes"] else None
        overdue = None
        if last_success is not None:
            due = spec.schedule.next_after(last_success)
            overdue = now - due if due <= latest_slot else None
        elif run:  # never succeeded: overdue since its first attempt
            overdue = now - _utc(run["first_started"])
        stale = overdue is not None and overdue > max_lag
        started = _utc(run["last_started"]) if run else None
        finished = _utc(run["last_finished"]) if run else None
        next_run = _iso(spec.schedule.next_after(latest_slot))
        jobs.append(
            {
                "job": spec.name,
                "last_run": _iso(started),
                "last_slot": _iso(run["last_slot"]) if run else None,
                "duration_s": round((finished - started).total_seconds(), 2)
                if started and finished
                else None,
                "result": run["last_status"] if run else "never run",
                "error": run["last_error"] if run else "",
                "last_success_slot": _iso(last_success),
                "next_run": "now (behind schedule)" if overdue is not None else next_run,
                "stale": stale,
                "note": f"overdue by {_minutes(overdue)} min" if stale and overdue else "",
            }
        )
    return jobs


def build_report(
    warehouse: Warehouse,
    settings: Settings,
    specs: list[JobSpec],
    max_lag_minutes: float,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Everything `loupe status` shows, as plain JSON-ready values."""
    now = now or datetime.now(timezone.utc)
    max_lag = timedelta(minutes=max_lag_minutes)
    tables = table_freshness(warehouse, now, max_lag)
    has_ledger = _exists(warehouse, "etl.scheduler_runs")
    jobs = job_status(warehouse, specs, now, max_lag) if has_ledger else []
    since = now - timedelta(hours=24)
    failures = []
    if has_ledger:
        for row in warehouse.rows(FAILURES_SQL, {"since": since}):
            failures.append(
                {**row, "started_at": _iso(row["started_at"]), "error": row["error"][:300]}
            )
    rejected = 0
    if _exists(warehouse, "pd.api_calls_rejected"):
        rejected = warehouse.scalar(REJECTED_SQL, {"since": since})
    cut_short = []
    if _exists(warehouse, "etl.publishes"):
        cut_short = [publish.day.isoformat() for publish in interrupted_publishes(warehouse)]
    stale = [t["table"] for t in tables if t["stale"]] + [j["job"] for j in jobs if j["stale"]]
    stale += [f"publish of {day}" for day in cut_short]
    return {
        "now": _iso(now),
        "engine": warehouse.kind,
        "max_lag_minutes": max_lag_minutes,
        "healthy": not stale,
        "stale": stale,
        "tables": tables,
        "jobs": jobs,
        "failures_24h": failures,
        "publishes_cut_short": cut_short,
        "ingest": {"rejected_24h": rejected, **_spool(settings)},
        "reconciliation": _reconciliation(warehouse),
        "retention": _retention(warehouse, settings),
        "disk": warehouse.rows(DISK_SQL),
    }


def _spool(settings: Settings) -> dict[str, int]:
    # Each writer spools into its own subdirectory (`api_calls/`...): count them all.
    batches = records = 0
    if settings.spool_dir.is_dir():
        for directory in sorted(p for p in settings.spool_dir.iterdir() if p.is_dir()):
            spool = Spool(directory)
            batches += len(spool)
            records += spool.records()
    return {"spooled_batches": batches, "spooled_records": records}


def _retention(warehouse: Warehouse, settings: Settings) -> dict[str, dict]:
    # Per schema: the oldest day kept (None: empty) and the days the settings keep (0: all).
    if not _exists(warehouse, "pd.api_calls"):
        return {}
    keep = {
        "pd": settings.keep_raw_days,
        "dwh": settings.keep_dwh_days,
        "history": settings.keep_history_days,
    }
    return {
        schema: {"oldest_day": day, "keep_days": keep[schema]}
        for schema, day in oldest_days(warehouse, settings).items()
    }


def _reconciliation(warehouse: Warehouse) -> list[dict]:
    # Written by the history package's nightly reconciliation, when it is installed and has run.
    if not _exists(warehouse, "dwh.order_reconciliation_latest"):
        return []
    rows = warehouse.rows(RECONCILIATION_SQL)
    return [
        {**row, "date": row["date"].isoformat(), "checked_at": _iso(row["checked_at"])}
        for row in rows
    ]
