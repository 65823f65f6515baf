"""Price-changes benchmark: the cost of restaging dwh.price_changes whole, as every day build does.

A warehouse gets `--days` days of synthetic data: `--visits` visits a day in dwh.sessions (only
their days matter here), `--products` products a day in dwh.daily_product_stats, and the
history of `--items` items of which `--share` are repriced each day (history.items_versions).
It then times the job `price_changes` staging the whole table for the last day (best of
`--runs`), as a build of that day does before its publish.

Usage: python bench/price_changes.py [--days 30] [--items 100000] [--products 50000]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from loupe import sqlfiles
from loupe.jobs.registry import all_jobs
from loupe.schema.ddl import DDL
from loupe.schema.migrate import migrate
from loupe.settings import load_settings
from loupe.warehouse import Warehouse, open_warehouse

FIRST = date(2026, 10, 1)
FILL_SQL = (
    # Version 1 of every item a month before the first day, then a version per repricing: on
    # day d (0-based), the items whose hash of (id, d) falls in the share, at 00:05 UTC.
    """
    INSERT INTO history.items_versions (id, sku, section, material, price, updated_at, valid_from,
        version, row_hash, is_deleted, snapshot_id)
    SELECT id, 'SKU', 'rings', 'gold', price, at, at, version, cityHash64(price), 0, 0
    FROM (
        SELECT number + 1 AS id, toDateTime64({first:Date}, 3, 'UTC') - INTERVAL 30 DAY AS at,
            toInt64(1000 + number % 9000) AS price, toUInt32(1) AS version
        FROM numbers({items:UInt64})
        UNION ALL
        SELECT id, toDateTime64({first:Date} + d, 3, 'UTC') + INTERVAL 5 MINUTE,
            toInt64(1000 + cityHash64(id, d) % 9000),
            toUInt32(row_number() OVER (PARTITION BY id ORDER BY d) + 1)
        FROM (
            SELECT number + 1 AS id, arrayJoin(range({days:UInt64})) AS d
            FROM numbers({items:UInt64})
        )
        WHERE cityHash64(id, d) % 10000 < {share:Float64} * 10000
    )
    """,
    # The days' visits (their dates are what the job reads).
    """
    INSERT INTO dwh.sessions (date, visit_id)
    SELECT {first:Date} + intDiv(number, {visits:UInt64}), number
    FROM numbers({days:UInt64} * {visits:UInt64})
    """,
    # Each day's products (distinct within a day: 7919 is prime to the item count).
    """
    INSERT INTO dwh.daily_product_stats
    SELECT {first:Date} + d, (n * 7919 + d * 104729) % {items:UInt64} + 1, 3, 4, 0, 1, 0, 99.0
    FROM (SELECT intDiv(number, {products:UInt64}) AS d, number % {products:UInt64} AS n
          FROM numbers({days:UInt64} * {products:UInt64}))
    """,
)
# The built day's staging, as its build leaves it before this job.
STAGE_DAY_SQL = (
    "INSERT INTO etl.daily_product_stats SELECT * FROM dwh.daily_product_stats "
    "WHERE date = {day:Date}",
    "INSERT INTO etl.sessions SELECT * FROM dwh.sessions WHERE date = {day:Date}",
)


def stage(warehouse: Warehouse, day: date) -> float:
    """Stage etl.price_changes whole for `day`, as a day build does; its time in seconds."""
    job = all_jobs()["price_changes"]
    started = time.perf_counter()
    staging = sqlfiles.names(table="etl.price_changes")
    warehouse.command(sqlfiles.load("loupe", "truncate_table"), staging)
    warehouse.command(job.render(incremental=False), {"day": day, "timezone": "UTC"})
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--share", type=float, default=0.02, help="Items repriced each day.")
    parser.add_argument("--products", type=int, default=50_000, help="Products viewed a day.")
    parser.add_argument("--visits", type=int, default=113_185, help="Visits a day.")
    parser.add_argument("--runs", type=int, default=3, help="Best of this many timings.")
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="loupe-bench-price-changes-"))
    last = FIRST + timedelta(days=args.days - 1)
    params = {"first": FIRST, "days": args.days, "items": args.items, "share": args.share,
              "products": args.products, "visits": args.visits}  # fmt: skip
    try:
        settings = load_settings(
            data_dir=directory / "wh", spool_dir=directory / "spool", production_url=""
        )
        with open_warehouse(settings) as warehouse:
            migrate(warehouse, DDL())
            for statement in FILL_SQL:
                warehouse.command(statement, params)
            for statement in STAGE_DAY_SQL:
                warehouse.command(statement, {"day": last})
            seconds = min(stage(warehouse, last) for _ in range(args.runs))
            rows = warehouse.rows(
                "SELECT count() AS rows, countDistinct(item_id, changed_at) AS changes "
                "FROM etl.price_changes"
            )[0]
            versions = warehouse.scalar("SELECT count() FROM history.items_versions")
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    print(
        f"{args.days} days, {args.items:,} items ({versions:,} versions), "
        f"{args.products:,} products and {args.visits:,} visits a day: "
        f"{rows['changes']:,} changes, {rows['rows']:,} rows staged whole in {seconds:.3f} s "
        f"(best of {args.runs})"
    )


if __name__ == "__main__":
    main()
