"""Cart-episode benchmark: the time of the two `whole` jobs behind dwh.carts (etl.cart_lines, then
etl.carts) as the cart events kept grow.

A simulated week (600 visits a day) is built; its cart events and visits are then copied N times
as other carts and people (user ids moved by a million a copy, session ids suffixed), so the jobs
read N times the events of a week, and each size is timed (best of two) as a day build runs them.

Usage: python bench/carts.py [--copies 1,100,1000]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

from loupe.ingest.files import ingest_files
from loupe.ingest.writer import open_writer
from loupe.jobs.registry import all_jobs
from loupe.jobs.run import build_days, day_parameters, days_between
from loupe.schema.ddl import DDL
from loupe.schema.migrate import migrate
from loupe.settings import load_settings
from loupe.simulate import NdjsonOutput, SimulationOptions, run_simulation
from loupe.sqlfiles import names
from loupe.warehouse import Warehouse, open_warehouse

FIRST, LAST = date(2026, 11, 16), date(2026, 11, 22)
# One copy of every cart event and visit as other carts and people (`copy` > 0).
COPY_SQL = {
    "cart_events": """
        INSERT INTO {table_db:Identifier}.{table:Identifier} SELECT * REPLACE (
            concat(session_id, '-', toString({copy:UInt32})) AS session_id,
            if(user_id > 0, user_id + {copy:UInt32} * 1000000, 0) AS user_id,
            if(startsWith(cart_key, 'u:'),
               concat('u:', toString(toUInt64(substring(cart_key, 3)) + {copy:UInt32} * 1000000)),
               concat(cart_key, '-', toString({copy:UInt32}))) AS cart_key)
        FROM etl.{source:Identifier}""",
    "sessions": """
        INSERT INTO {table_db:Identifier}.{table:Identifier} SELECT * REPLACE (
            cityHash64(visit_id, {copy:UInt32}) AS visit_id,
            concat(session_id, '-', toString({copy:UInt32})) AS session_id,
            if(user_id > 0, user_id + {copy:UInt32} * 1000000, 0) AS user_id)
        FROM etl.{source:Identifier}""",
}


def build_week(warehouse: Warehouse, settings, directory: Path) -> None:
    options = SimulationOptions(
        days=7, start=FIRST, visits_per_day=600, items=400, seed=7, truth_dir=directory / "truth"
    )
    run_simulation(options, NdjsonOutput(directory / "out", options.timezone))
    migrate(warehouse, DDL())
    with open_writer(settings, warehouse) as writer:
        ingest_files(sorted((directory / "out").glob("calls-*")), writer)
    build_days(warehouse, settings, days_between(FIRST, LAST))


def grow(warehouse: Warehouse, copies: int, done: int) -> None:
    """Add copies `done + 1 .. copies` of the week's events and visits (dwh and the last day's
    staging)."""
    for name, sql in COPY_SQL.items():
        for schema in ("dwh", "etl"):
            table = f"{schema}.{name}"
            warehouse.command(f"CREATE TABLE IF NOT EXISTS etl.bench_{schema}_{name} AS {table}")
            if not done:
                warehouse.command(f"INSERT INTO etl.bench_{schema}_{name} SELECT * FROM {table}")
            for copy in range(done + 1, copies):
                source = f"bench_{schema}_{name}"
                warehouse.command(sql, {**names(table=table), "source": source, "copy": copy})


def time_jobs(warehouse: Warehouse, params: dict) -> dict[str, float]:
    """Best of two of each job, as a day build stages it."""
    times = {}
    for name in ("cart_lines", "carts"):
        job = all_jobs()[name]
        best = float("inf")
        for _ in range(2):
            warehouse.command(f"TRUNCATE TABLE {job.staging_table}")
            started = time.perf_counter()
            warehouse.command(job.render(incremental=False), params)
            best = min(best, time.perf_counter() - started)
        times[name] = best
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", default="1,100,1000")
    args = parser.parse_args()
    sizes = sorted(int(part) for part in args.copies.split(","))
    directory = Path(tempfile.mkdtemp(prefix="loupe-bench-carts-"))
    settings = load_settings(data_dir=directory / "wh", spool_dir=directory / "spool",
                             production_url="")  # fmt: skip
    try:
        with open_warehouse(settings) as warehouse:
            build_week(warehouse, settings, directory)
            params = day_parameters(LAST, settings)
            done = 0
            for copies in sizes:
                grow(warehouse, copies, done)
                done = copies
                events = warehouse.scalar("SELECT count() FROM dwh.cart_events")
                times = time_jobs(warehouse, params)
                episodes = warehouse.scalar("SELECT count() FROM etl.carts")
                print(
                    f"{copies:>6} x the week: {events:>10,} cart events, {episodes:>9,} episodes: "
                    f"cart_lines {times['cart_lines']:.2f} s, carts {times['carts']:.2f} s"
                )
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
