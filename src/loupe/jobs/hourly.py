"""The hourly run: rebuild only the visits touched by calls received since the last run.

Lateness guarantee (docs/etl.md): a call is picked up by the first hourly run after it arrives
when its time `ts` is at most `lookback` (default 6 hours) older than the newest call time the
previous hourly run had seen; a later call waits for the nightly re-run of its date
(`loupe etl run --date D`). The run reads the calls received since the previous run's watermark
(`received_at`), collects their sessions into `etl.touched_sessions`, and rebuilds, for each
business day such a visit can start on (the new calls' days, and the days of the touched
sessions' visits they can join), just those sessions' visits: the rest of the day is
carried over from `dwh`, and the day is swapped in whole, as in a full build.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from loupe.jobs.catalog import query
from loupe.jobs.run import VISIT_CAP_HOURS, VISIT_GAP_MINUTES, JobResult, build_day, record_run
from loupe.settings import Settings
from loupe.warehouse import Warehouse

JOB = "hourly"
EPOCH = datetime.fromtimestamp(0, timezone.utc)

LAST_RUN_SQL = query("hourly_last_run")
NEW_CALLS_SQL = query("hourly_new_calls")
FILL_TOUCHED_SQL = query("hourly_touched_sessions")
DAYS_SQL = query("hourly_days")


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
    last = warehouse.rows(LAST_RUN_SQL, {"job": JOB})[0]
    watermark = last["watermark"] or EPOCH
    if watermark <= EPOCH:
        # First run: everything received so far, within the lookback of the newest call.
        newest = warehouse.scalar("SELECT max(ts) FROM pd.api_calls") or EPOCH
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
    warehouse.command("TRUNCATE TABLE etl.touched_sessions")
    warehouse.command(
        FILL_TOUCHED_SQL,
        {"watermark": watermark, "new_watermark": found["watermark"], "ts_floor": ts_floor},
    )
    sessions = warehouse.scalar("SELECT count() FROM etl.touched_sessions")
    days = warehouse.scalar(
        DAYS_SQL,
        {
            "watermark": watermark,
            "new_watermark": found["watermark"],
            "ts_floor": ts_floor,
            "timezone": settings.timezone,
            "first_new": found["first_ts"],
            "last_new": found["ts_watermark"],
            "visit_cap_ms": VISIT_CAP_HOURS * 3_600_000,
            "visit_gap_ms": VISIT_GAP_MINUTES * 60_000,
        },
    )
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
