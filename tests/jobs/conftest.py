"""Shared by the ETL tests: a warehouse holding a simulator run, built."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from loupe.ingest.files import ingest_files
from loupe.ingest.writer import open_writer
from loupe.jobs.run import build_days, days_between
from loupe.schema.ddl import DDL
from loupe.schema.migrate import migrate
from loupe.settings import Settings
from loupe.warehouse import Warehouse, open_warehouse


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
