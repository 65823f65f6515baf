"""Warehouses built for the ETL tests: a simulator run's calls ingested through the writer and
its days built, in full or with some calls held back to arrive late."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path

from loupe.ingest.files import ingest_files
from loupe.ingest.writer import open_writer
from loupe.jobs.run import build_days, days_between
from loupe.schema.ddl import DDL
from loupe.schema.migrate import migrate
from loupe.settings import Settings
from loupe.warehouse import Warehouse, open_warehouse
from tests.helpers.calls import received_now

# The days `build_holding_back` builds.
FIRST, LAST = date(2026, 11, 19), date(2026, 11, 21)
CUTOFF = datetime(2026, 11, 20, 15, tzinfo=timezone.utc)
# Calls held back from the first builds, then received at once: everything after the cutoff,
# one call in 20 of the five hours before it (late, but inside the 6-hour lookback).
HELD_BACK = """
    ts >= {cutoff:DateTime64(3, 'UTC')}
    OR (ts >= {cutoff:DateTime64(3, 'UTC')} - INTERVAL 5 HOUR AND cityHash64(event_id) % 20 = 0)
"""


@contextmanager
def built_warehouse(
    settings: Settings, calls_dir: Path, first: date, last: date
) -> Iterator[Warehouse]:
    """A new warehouse with the run's calls (files `calls-*` of `calls_dir`) ingested through the
    writer, and every day from `first` to `last` built."""
    with open_warehouse(settings) as warehouse:
        migrate(warehouse, DDL())
        with open_writer(settings, warehouse) as writer:
            ingest_files(sorted(calls_dir.glob("calls-*")), writer)
        build_days(warehouse, settings, days_between(first, last))
        yield warehouse


def build_holding_back(warehouse: Warehouse, settings: Settings, calls_dir: Path) -> None:
    """Migrate, ingest the run's calls through the writer, keep `HELD_BACK` aside in
    etl.held_back, and build every day from the rest."""
    migrate(warehouse, DDL())
    with open_writer(settings, warehouse) as writer:
        ingest_files(sorted(calls_dir.glob("calls-*")), writer)
    params = {"cutoff": CUTOFF}
    warehouse.command("CREATE TABLE etl.held_back AS pd.api_calls ENGINE = MergeTree ORDER BY ts")
    warehouse.command(
        f"INSERT INTO etl.held_back SELECT * FROM pd.api_calls WHERE {HELD_BACK}", params
    )
    warehouse.command(f"DELETE FROM pd.api_calls WHERE {HELD_BACK}", params)
    build_days(warehouse, settings, days_between(FIRST, LAST))


def receive_late_and_repeated(warehouse: Warehouse) -> None:
    """The held-back calls arrive, and so do repeats of the two hours before the cutoff."""
    receive(warehouse, "FROM etl.held_back")
    receive(
        warehouse,
        "FROM pd.api_calls WHERE ts >= {cutoff:DateTime64(3, 'UTC')} - INTERVAL 2 HOUR "
        "AND ts < {cutoff:DateTime64(3, 'UTC')}",
        {"cutoff": CUTOFF},
    )


def receive(warehouse: Warehouse, where: str, params: dict | None = None) -> None:
    """Deliver calls again, as received now (new calls, or repeats of ones already built)."""
    warehouse.command(
        "INSERT INTO pd.api_calls SELECT * REPLACE "
        f"({{received_at:DateTime64(3, 'UTC')}} AS received_at) {where}",
        {**(params or {}), "received_at": received_now.instant()},
    )


def built_rows(output: str, day: str) -> dict[str, int]:
    """The rows per table that `loupe etl run` printed for `day` (`DAY: table N, table N...`)."""
    line = next(line for line in output.splitlines() if line.startswith(f"{day}: "))
    pairs = (item.rsplit(" ", 1) for item in line.removeprefix(f"{day}: ").split(", "))
    return {table: int(rows) for table, rows in pairs}
