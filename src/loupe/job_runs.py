"""Job-run records: the rows of `etl.job_runs`, and the business days that runs cover.

Every job that writes the warehouse records its runs here: the ETL's day builds and hourly runs
(loupe.jobs), the snapshots and the order reconciliation (loupe.history). It is a module of its
own, below both, so that history records its runs without importing the ETL, and the ETL
without knowing of history. The scheduler keeps its own ledger of attempts (scheduler/ledger.py).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from loupe.warehouse import Warehouse

# One row per job of one run over one range ({jobs} and {rows} are parallel arrays: a day build
# records all its jobs in one statement).
RECORD_RUN_SQL = """
INSERT INTO etl.job_runs (run_id, job, range_start, range_end, started_at, finished_at,
    rows_written, status, error, watermark, ts_watermark)
SELECT generateUUIDv4(), run.1, {range_start:Date}, {range_end:Date},
    {started_at:DateTime64(3, 'UTC')}, {finished_at:DateTime64(3, 'UTC')}, run.2,
    {status:String}, {error:String}, {watermark:DateTime64(3, 'UTC')},
    {ts_watermark:DateTime64(3, 'UTC')}
FROM system.one
ARRAY JOIN arrayZip({jobs:Array(String)}, {rows:Array(UInt64)}) AS run
"""


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
        RECORD_RUN_SQL,
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
