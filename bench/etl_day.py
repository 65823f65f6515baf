"""ETL benchmark: a simulated day delivered hour by hour, with an hourly run after each hour.

Where bench/etl.py replays one hour of an already built day, this one builds the day as the
scheduler does: the calls of each hour arrive (received now), then `run_hourly` runs. It prints
each run's time, its new calls and the visits it rebuilt, then a full rebuild of the finished day
(best of two) and the runs' median and worst against it, and how many rows of `etl.visit_calls`
are older versions that the runs left (docs/etl.md, "Versions of parsed calls").

Usage: python bench/etl_day.py [--calls N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from etl import DAY, bench_settings, best_of, load_simulated_day
from loupe.job_runs import day_bounds
from loupe.jobs.hourly import run_hourly
from loupe.jobs.run import build_day
from loupe.warehouse import Warehouse, open_warehouse

HOLD_SQL = "CREATE TABLE etl.bench_held AS pd.api_calls ENGINE = MergeTree ORDER BY ts"
DELIVER_SQL = """
INSERT INTO pd.api_calls SELECT * REPLACE (now64(3) AS received_at) FROM etl.bench_held
WHERE ts >= {start:DateTime64(3, 'UTC')} AND ts < {end:DateTime64(3, 'UTC')}
"""
VERSIONS_SQL = "SELECT count() AS rows, countIf(version > 0) AS hourly_rows FROM etl.visit_calls"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="loupe-bench-etl-day-"))
    settings = bench_settings(directory)
    try:
        with open_warehouse(settings) as warehouse:
            load_simulated_day(warehouse, settings, args.calls, directory / "truth")
            _hold_back(warehouse)
            runs = _deliver_hour_by_hour(warehouse, settings)
            versions = warehouse.rows(VERSIONS_SQL)[0]
            full_s = best_of(2, lambda: build_day(warehouse, settings, DAY))
            day_calls = warehouse.rows(VERSIONS_SQL)[0]["rows"]
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    median_s = statistics.median(runs)
    mean_s = statistics.mean(runs)
    print(f"full rebuild of the finished day: {full_s:.2f} s")
    print(
        f"hourly runs: median {median_s:.2f} s = {median_s / full_s:.3f} x full rebuild "
        f"(target <= 0.10), mean {mean_s / full_s:.3f} x, worst {max(runs):.2f} s = "
        f"{max(runs) / full_s:.3f} x; {sum(1 for s in runs if s > 2 * median_s)} of {len(runs)} "
        "runs over twice the median"
    )
    stale = versions["rows"] - day_calls
    print(
        f"etl.visit_calls after the day's runs: {versions['rows']:,} rows "
        f"({versions['hourly_rows']:,} written by incremental runs); after the full rebuild: "
        f"{day_calls:,}; older versions left by the runs: {stale:,} ({stale / day_calls:.1%})"
    )


def _hold_back(warehouse: Warehouse) -> None:
    """Move the simulated calls aside, and empty the warehouse, so that hours can arrive."""
    warehouse.command(HOLD_SQL)
    warehouse.command("INSERT INTO etl.bench_held SELECT * FROM pd.api_calls")
    for database in ("pd", "dwh", "etl"):
        tables = warehouse.scalar(
            "SELECT groupArray(name) FROM system.tables WHERE database = {db:String} "
            "AND engine LIKE '%MergeTree' AND name NOT IN ('bench_held', 'schema_migrations')",
            {"db": database},
        )
        for table in tables:
            warehouse.command(f"TRUNCATE TABLE {database}.{table}")


def _deliver_hour_by_hour(warehouse: Warehouse, settings) -> list[float]:  # type: ignore[no-untyped-def]
    start, _ = day_bounds(DAY, settings.timezone)
    runs = []
    for hour in range(24):
        hour_start = start + timedelta(hours=hour)
        warehouse.command(
            DELIVER_SQL, {"start": hour_start, "end": hour_start + timedelta(hours=1)}
        )
        time.sleep(0.01)  # received_at has millisecond precision
        started = time.perf_counter()
        result = run_hourly(warehouse, settings)
        runs.append(time.perf_counter() - started)
        rebuilt = warehouse.scalar("SELECT count() FROM etl.affected_visits")
        print(
            f"{hour:02d}:00-{hour + 1:02d}:00  {result.calls:>9,} new calls  {runs[-1]:6.2f} s  "
            f"{rebuilt:>7,} built visits rebuilt"
        )
    return runs


if __name__ == "__main__":
    main()
