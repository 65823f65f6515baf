"""Job-run records: the rows of `etl.job_runs`, and the business days that runs cover.

Every job that writes the warehouse records its runs here: the ETL's day builds and hourly runs
(loupe.jobs), the snapshots and the order reconciliation (loupe.history). It is a module of its
own, below both, so that history records its runs without importing the ETL, and the ETL
without knowing of history. The scheduler keeps its own ledger of attempts (scheduler/ledger.py).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from loupe import sqlfiles
from loupe.warehouse import Warehouse

RECORD_RUNS_SQL = sqlfiles.load("loupe", "record_runs")


def day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    """The UTC instants at which a business day starts and ends in timezone `tz`."""
    zone = ZoneInfo(tz)
    start = datetime.combine(day, datetime.min.time(), zone)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def record_runs(
    warehouse: Warehouse,
    runs: list[tuple[str, int]],
    start: date,
    end: date,
    started: datetime,
    error: str = "",
    watermark: datetime | None = None,
    ts_watermark: datetime | None = None,
) -> None:
    """Append one row per (job, rows written) to etl.job_runs, in one statement."""
    epoch = datetime.fromtimestamp(0, timezone.utc)
    warehouse.command(
        RECORD_RUNS_SQL,
        {
            "jobs": [job for job, _ in runs],
            "rows": [rows for _, rows in runs],
            "range_start": start,
            "range_end": end,
            "started_at": started,
            "finished_at": datetime.now(timezone.utc),
            "status": "failed" if error else "success",
            "error": error,
            "watermark": watermark or epoch,
            "ts_watermark": ts_watermark or epoch,
        },
    )


def record_run(
    warehouse: Warehouse,
    job: str,
    start: date,
    end: date,
    started: datetime,
    rows: int,
    error: str = "",
    watermark: datetime | None = None,
    ts_watermark: datetime | None = None,
) -> None:
    """Append one row to etl.job_runs."""
    record_runs(warehouse, [(job, rows)], start, end, started, error, watermark, ts_watermark)
