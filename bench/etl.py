"""ETL benchmark: a full-day rebuild and an hourly run, against limits measured in the same run.

For a simulated day of about N calls (default 1,000,000; use --calls 10000000 for the big one):
  scan limit    - one query reading every column the jobs read, parsing each JSON body once;
  full rebuild  - `build_day` of the day: every job, staged and swapped;
  visits+products - the jobs a peer is compared with: the staging time of visit_calls, sessions
                  and product_sessions in a build of product_sessions (not the rollups that
                  follow those tables, nor the swap: the peer writes no table);
  hourly run    - `run_hourly` after one hour of calls (21:00-22:00) arrives again (it rebuilds
                  the visits those calls can change);
  one-pass floor - the least any design must do before it writes a dwh table: read the calls
                  once deduplicated, parse every body once and number each call's visit in the
                  same pass (bench/sql/one_pass_floor.sql), into a Null table, then written once;
  DuckDB peer   - the same visit and product-session aggregation in DuckDB over the same calls
                  exported to Parquet (bench/sql/duckdb_visits.sql).
Targets: hourly <= 0.10 x full rebuild; faster than the DuckDB peer. The full rebuild has no
target of its own: it is reported against the scan limit, the one-pass floor written once and
the DuckDB peer.

Usage: python bench/etl.py [--calls N] [--history-days D] [--warehouse DIR]
(needs `pip install duckdb`). --warehouse keeps the warehouse in DIR and reuses its calls on the
next run (simulating 10M calls takes several minutes).
--history-days D first gives the warehouse D earlier days of visits (copies of the day's), as
after months of builds: `is_returning` looks the day's sessions and users up in them.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import shutil
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

from loupe.ingest.writer import open_writer
from loupe.job_runs import day_bounds
from loupe.jobs.hourly import run_hourly
from loupe.jobs.run import build_day, day_parameters
from loupe.schema.ddl import DDL
from loupe.schema.migrate import migrate
from loupe.settings import Settings, load_settings
from loupe.simulate import SimulationOptions, WriterOutput, run_simulation
from loupe.warehouse import Warehouse, open_warehouse

DAY = date(2026, 11, 20)
CALLS_PER_VISIT = 9.5  # measured on the simulator's default mix
SQL = Path(__file__).with_name("sql")
FLOOR_TABLE = "etl.bench_one_pass_floor"
# The one-pass floor's targets: compute only, then compute and the cheapest write.
FLOOR_ENGINES = ("Null", "MergeTree ORDER BY tuple()")
REUSABLE_SQL = """
SELECT sum(total_rows) > 0 FROM system.tables WHERE database = 'pd' AND name = 'api_calls'
"""
PEER_JOBS = ("visit_calls", "sessions", "product_sessions")  # the DuckDB peer's work
REPLAY_HOUR_SQL = """
INSERT INTO pd.api_calls SELECT * REPLACE (now64(3) AS received_at) FROM pd.api_calls
WHERE ts >= {start:DateTime64(3, 'UTC')} AND ts < {end:DateTime64(3, 'UTC')}
"""
EXPORT_SQL = """
SELECT toString(event_id) AS event_id, ts, session_id, user_id, method, endpoint, status,
    request, response, user_agent
FROM pd.api_calls
WHERE ts >= {window_start:DateTime64(3, 'UTC')} AND ts < {window_end:DateTime64(3, 'UTC')}
"""


def timed(action):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def best_of(runs: int, action) -> float:  # type: ignore[no-untyped-def]
    return min(timed(action)[0] for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=2, help="Best of this many timings.")
    parser.add_argument(
        "--history-days",
        type=int,
        default=0,
        help="Earlier days of visits in dwh.sessions (copies of the day's), as after months.",
    )
    parser.add_argument(
        "--warehouse",
        type=Path,
        help="Keep the warehouse in this directory, and reuse the calls it already holds.",
    )
    args = parser.parse_args()
    directory = args.warehouse or Path(tempfile.mkdtemp(prefix="loupe-bench-etl-"))
    settings = bench_settings(directory)
    try:
        with open_warehouse(settings) as warehouse:
            load_s = None
            if reusable(warehouse):
                drop_history(warehouse)
            else:
                load_s, _ = timed(
                    lambda: load_simulated_day(warehouse, settings, args.calls, directory / "truth")
                )
            # Folds the copies of an hour that an earlier run's hourly replay added to a kept day.
            warehouse.command("OPTIMIZE TABLE pd.api_calls FINAL")
            calls = warehouse.scalar("SELECT count() FROM pd.api_calls")
            if args.history_days:
                add_history(warehouse, settings, args.history_days)
            history_visits = warehouse.scalar(
                "SELECT count() FROM dwh.sessions WHERE date < {d:Date}", {"d": DAY}
            )
            params = day_parameters(DAY, settings)
            scan_sql = (SQL / "scan_limit.sql").read_text()
            scan_s = best_of(args.runs, lambda: warehouse.query(scan_sql, params))
            floor_s = [
                min(_one_pass_floor(warehouse, engine, params) for _ in range(args.runs))
                for engine in FLOOR_ENGINES
            ]
            full_s = best_of(args.runs, lambda: build_day(warehouse, settings, DAY))
            subset_s = min(_peer_jobs_time(warehouse, settings) for _ in range(args.runs))
            visits = warehouse.scalar(
                "SELECT count() FROM dwh.sessions WHERE date = {d:Date}", {"d": DAY}
            )
            run_hourly(warehouse, settings)  # sets the watermark; not timed
            start, _ = day_bounds(DAY, settings.timezone)
            hour = {"start": start + timedelta(hours=21), "end": start + timedelta(hours=22)}
            warehouse.command(REPLAY_HOUR_SQL, hour)
            hourly_s, hourly = timed(lambda: run_hourly(warehouse, settings))
            rebuilt_visits = warehouse.scalar("SELECT count() FROM etl.affected_visits")
            rebuilt_calls = warehouse.scalar("SELECT count() FROM etl.touched_calls")
            parquet = directory / "calls.parquet"
            parquet.unlink(missing_ok=True)  # an earlier run's, in a kept warehouse
            # INTO OUTFILE takes a literal; the path is the benchmark's own temporary file.
            warehouse.command(f"{EXPORT_SQL} INTO OUTFILE '{parquet}' FORMAT Parquet", params)
        peer_s, peer_counts = _duckdb(parquet, args.runs)
    finally:
        if not args.warehouse:
            shutil.rmtree(directory, ignore_errors=True)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, duckdb {duckdb.__version__}"
    )
    loaded = (
        f"reused from {directory}" if load_s is None else f"simulated and loaded in {load_s:.0f} s"
    )
    print(f"day: {calls:,} calls, {visits:,} visits ({loaded})")
    print(f"history: {args.history_days} earlier days, {history_visits:,} visits")
    print(f"scan limit:                {scan_s:8.2f} s")
    print(
        f"one-pass floor:            {floor_s[0]:8.2f} s = {floor_s[0] / scan_s:.2f} x scan limit"
        f"; written once: {floor_s[1]:.2f} s = {floor_s[1] / scan_s:.2f} x"
    )
    print(
        f"full-day rebuild:          {full_s:8.2f} s = {full_s / scan_s:.2f} x scan limit"
        f" = {full_s / floor_s[1]:.2f} x the floor written once = {full_s / peer_s:.2f} x the peer"
    )
    print(
        f"hourly run ({hourly.calls:,} new calls, {hourly.sessions:,} sessions, "
        f"{rebuilt_visits:,} visits rebuilt with {rebuilt_calls:,} calls): {hourly_s:.2f} s "
        f"= {hourly_s / full_s:.3f} x full rebuild  (target <= 0.10)"
    )
    print(
        f"visits + product sessions: {subset_s:8.2f} s   DuckDB peer: {peer_s:.2f} s "
        f"({peer_counts[0]:,} visits) = Loupe {peer_s / subset_s:.2f} x faster  (target > 1)"
        f"; the peer: {peer_s / scan_s:.2f} x scan limit"
    )


def bench_settings(directory: Path) -> Settings:
    """Settings of a benchmark's own embedded warehouse in `directory` (no production database)."""
    return load_settings(
        data_dir=directory / "wh", spool_dir=directory / "spool", production_url=""
    )


def load_simulated_day(
    warehouse: Warehouse, settings: Settings, calls: int, truth_dir: Path
) -> None:
    """Migrate the warehouse and simulate a day of about `calls` calls into it through the
    ingestion writer."""
    migrate(warehouse, DDL())
    options = SimulationOptions(
        days=1,
        start=DAY,
        visits_per_day=int(calls / CALLS_PER_VISIT),
        truth_dir=truth_dir,
        db_url=None,
    )
    output = WriterOutput(open_writer(settings, warehouse, source="bench"))
    try:
        run_simulation(options, output)
    finally:
        output.close()
    gc.collect()


def reusable(warehouse: Warehouse) -> bool:
    """Whether a kept warehouse already holds a loaded day."""
    return bool(warehouse.scalar(REUSABLE_SQL))


def drop_history(warehouse: Warehouse) -> None:
    """Remove the earlier days that a run with --history-days left in a kept warehouse."""
    warehouse.command("DELETE FROM dwh.sessions WHERE date < {day:Date}", {"day": DAY})
    warehouse.command("TRUNCATE TABLE IF EXISTS etl.visitors")


def _one_pass_floor(warehouse: Warehouse, engine: str, params: dict) -> float:
    """Seconds to run the one-pass floor into a new table of `engine`, which is then dropped."""
    # The table name and engine are the benchmark's own constants, not input.
    create = f"CREATE TABLE {FLOOR_TABLE} ENGINE = {engine} AS\n"
    sql = create + (SQL / "one_pass_floor.sql").read_text()
    warehouse.command(f"DROP TABLE IF EXISTS {FLOOR_TABLE}")
    seconds, _ = timed(lambda: warehouse.command(sql, params))
    warehouse.command(f"DROP TABLE {FLOOR_TABLE}")
    return seconds


def _peer_jobs_time(warehouse: Warehouse, settings: Settings) -> float:
    """Seconds the jobs that do the DuckDB peer's work took in a build of product_sessions."""
    results = build_day(warehouse, settings, DAY, ["product_sessions"])
    return sum(result.seconds for result in results if result.job in PEER_JOBS)


def add_history(warehouse: Warehouse, settings: Settings, days: int) -> None:
    """Give the warehouse `days` earlier days of visits (bench/sql/history_days.sql), which
    `is_returning` looks up, and build the day once with them (untimed)."""
    build_day(warehouse, settings, DAY)
    warehouse.command((SQL / "history_days.sql").read_text(), {"day": DAY, "days": days})
    # Built outside the jobs: etl.visitors is refilled from dwh.sessions by the next build.
    warehouse.command("TRUNCATE TABLE IF EXISTS etl.visitors")
    build_day(warehouse, settings, DAY)


def _duckdb(parquet: Path, runs: int) -> tuple[float, tuple[int, int]]:
    sql = (SQL / "duckdb_visits.sql").read_text()
    timings, counts = [], (0, 0)
    for _ in range(runs):
        connection = duckdb.connect()
        connection.execute("SET threads = 2")
        started = time.perf_counter()
        statements = [s for s in sql.split(";\n") if s.strip()]
        for statement in statements[:-1]:
            connection.execute(statement, {"calls": str(parquet)} if "$calls" in statement else {})
        counts = connection.execute(statements[-1]).fetchone()
        timings.append(time.perf_counter() - started)
        connection.close()
    return min(timings), counts


if __name__ == "__main__":
    main()
