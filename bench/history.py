"""History benchmark: a snapshot of a 1,000,000-row `items` table with 1% changed rows.

Measured in one run, per production database (MariaDB over TCP, SQLite file), against the same
table in the embedded chDB warehouse:
  full copy     - `INSERT INTO <MergeTree table> SELECT * FROM mysql.items`, the plain copy
                  (best of three);
  first         - the first snapshot (every row is a new version);
  1% changed    - `loupe snapshot` after updating 1% of the rows (price and updated_at): an
                  incremental run, reads the changed rows only, writes only the new versions;
  1% full read  - the same after another 1% changed, as a full run (`--full`: every row read
                  and hashed, deletions looked for; made once a day by default);
  no change     - a re-run with no change (writes nothing).
Target: the 1%-changed snapshot <= 0.2 x the full copy's time; rows written = changes.

Usage: python bench/history.py [--rows N] [--source mariadb|sqlite|both]
"""

from __future__ import annotations

import argparse
import platform
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import chdb
import pymysql

from loupe.history.snapshot import run_snapshot
from loupe.schema.init import initialise
from loupe.settings import load_settings
from loupe.warehouse import Warehouse, open_warehouse

SCHEMA = resources.files("loupe.simulate").joinpath("shopdb_schema.sql").read_text()
ITEMS_DDL = SCHEMA[SCHEMA.index("CREATE TABLE items") :].split(";")[0]
INSERT = "INSERT INTO items VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
COPY_TABLE = """
CREATE TABLE default.items_copy AS history.items_versions
ENGINE = MergeTree ORDER BY id
"""
SECTIONS = ["rings", "earrings", "chains", "bracelets", "pendants"]
MATERIALS = ["gold", "silver", "platinum", "steel"]


def rows(count: int) -> list[tuple]:
    """Catalog rows; updated_at spread over October 2026, one second apart."""
    base = time.mktime(time.strptime("2026-10-01", "%Y-%m-%d")) - time.timezone
    out = []
    for n in range(1, count + 1):
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(base + n)) + ".000"
        out.append(
            (
                n,
                f"SKU-{n:07d}",
                SECTIONS[n % 5],
                MATERIALS[n % 4],
                None if n % 3 else "au",
                None if n % 7 else "ruby",
                None,
                100 + n % 900,
                None if n % 11 else 150 + n % 900,
                stamp,
            )
        )
    return out


class Source:
    """A production database holding only `items`, with an index on updated_at."""

    def __init__(self, kind: str, workdir: Path) -> None:
        self.kind = kind
        self.admin = None
        if kind == "sqlite":
            self.path = workdir / "shop.sqlite"
            self.url = f"sqlite:///{self.path}"
        else:
            suffix = uuid.uuid4().hex[:8]
            self.database, self.user, self.password = f"bench_{suffix}", f"b_{suffix}", suffix
            self.admin = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="")
            with self.admin.cursor() as cursor:
                cursor.execute(f"CREATE DATABASE {self.database}")
                cursor.execute(f"CREATE USER '{self.user}'@'%' IDENTIFIED BY '{self.password}'")
                cursor.execute(f"GRANT ALL ON {self.database}.* TO '{self.user}'@'%'")
            self.url = f"mysql://{self.user}:{self.password}@127.0.0.1:3306/{self.database}"

    def connect(self):
        if self.kind == "sqlite":
            return sqlite3.connect(self.path)
        return pymysql.connect(
            host="127.0.0.1", port=3306, user="root", password="", database=self.database
        )

    def execute(self, sql: str, params: list[tuple] | None = None) -> None:
        connection = self.connect()
        cursor = connection.cursor()
        statement = sql.replace("?", "%s") if self.kind == "mariadb" else sql
        if params is None:
            cursor.execute(statement)
        else:
            for start in range(0, len(params), 5_000):
                cursor.executemany(statement, params[start : start + 5_000])
        connection.commit()
        connection.close()

    def load(self, count: int) -> float:
        clock = time.perf_counter()
        self.execute(ITEMS_DDL)
        self.execute(INSERT, rows(count))
        self.execute("CREATE INDEX items_updated_at ON items (updated_at)")
        return time.perf_counter() - clock

    def drop(self) -> None:
        if self.admin is not None:
            with self.admin.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {self.database}")
                cursor.execute(f"DROP USER IF EXISTS '{self.user}'@'%'")
            self.admin.close()


def timed(run: Callable[[], object]) -> tuple[float, object]:
    clock = time.perf_counter()
    result = run()
    return time.perf_counter() - clock, result


def full_copy(warehouse: Warehouse) -> float:
    warehouse.command("TRUNCATE TABLE default.items_copy")
    seconds, _ = timed(
        lambda: warehouse.command(
            "INSERT INTO default.items_copy (id, sku, section, material, metal, stone, motif, "
            "price, old_price, updated_at) SELECT * FROM mysql.items"
        )
    )
    return seconds


def change(source: Source, remainder: int, stamp: str) -> int:
    """Update 1% of the rows (id % 100 = remainder); return how many."""
    source.execute(
        f"UPDATE items SET price = price + 1, updated_at = '{stamp}' WHERE id % 100 = {remainder}"
    )
    connection = source.connect()
    cursor = connection.cursor()
    cursor.execute(f"SELECT count(*) FROM items WHERE id % 100 = {remainder}")
    (count,) = cursor.fetchone()
    connection.close()
    return count


def snapshot(warehouse: Warehouse, full: bool = False) -> tuple[float, int, int]:
    seconds, results = timed(lambda: run_snapshot(warehouse, ["items"], full=full))
    (result,) = results
    return seconds, result.staged, result.written


def bench_source(kind: str, count: int, workdir: Path) -> None:
    source = Source(kind, workdir)
    try:
        load_seconds = source.load(count)
        settings = load_settings(production_url=source.url, data_dir=workdir / f"wh-{kind}")
        with open_warehouse(settings) as warehouse:
            initialise(settings, warehouse)
            warehouse.command(COPY_TABLE)
            copies = [full_copy(warehouse) for _ in range(3)]
            first = snapshot(warehouse)
            changed_1 = change(source, 1, "2026-11-24 12:00:00.000")
            incremental = snapshot(warehouse)
            changed_2 = change(source, 2, "2026-11-24 13:00:00.000")
            full = snapshot(warehouse, full=True)
            unchanged = snapshot(warehouse)
            copies.append(full_copy(warehouse))
            versions = warehouse.scalar("SELECT count() FROM history.items_versions")
        copy = min(copies)
        print(f"\n## {kind}: {count:,} rows (loaded in {load_seconds:.1f} s)")
        print(f"full copy (INSERT ... SELECT * FROM mysql.items), best of 4: {copy:.3f} s")
        print(f"{'run':<28} {'seconds':>8} {'x copy':>7} {'rows read':>10} {'written':>9}")
        for name, (seconds, staged, written), expected in (
            ("first snapshot", first, count),
            (f"1% changed ({changed_1:,})", incremental, changed_1),
            (f"1% changed, --full ({changed_2:,})", full, changed_2),
            ("no change", unchanged, 0),
        ):
            check = "" if written == expected else f"  (expected {expected:,})"
            print(
                f"{name:<28} {seconds:>8.3f} {seconds / copy:>7.2f} {staged:>10,} "
                f"{written:>9,}{check}"
            )
        print(f"history.items_versions rows: {versions:,}")
    finally:
        source.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--source", choices=["mariadb", "sqlite", "both"], default="both")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
        f"Python {platform.python_version()}, chdb {chdb.__version__}"
    )
    kinds = ["mariadb", "sqlite"] if args.source == "both" else [args.source]
    workdir = Path(tempfile.mkdtemp(prefix="loupe-bench-history-"))
    try:
        for kind in kinds:
            bench_source(kind, args.rows, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
