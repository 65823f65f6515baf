"""Retention of `pd` and `dwh`: the days older than the ones kept leave, a day at a time.

A table partitioned by day loses whole partitions (`DROP PARTITION`: no rewrite, and the
`keep_*_days` settings can change without a migration, where a TTL would bake them into DDL):
`pd.api_calls` (by UTC day: a partition goes once the whole of it is older than the start of the
oldest business day kept) and the day tables of `dwh`. The few dated tables partitioned by month
or not at all (`pd.api_calls_rejected`, the order reconciliation, the order copies) lose their
old rows with a lightweight DELETE. The dated tables of `dwh` are found by their `date` column,
so a new one is covered without a list to update.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from loupe import sqlfiles
from loupe.jobs.registry import query
from loupe.retention import Limits
from loupe.warehouse import Warehouse

DATED_TABLES_SQL = query("retention_dated_tables")
OLD_PARTITIONS_SQL = query("retention_old_partitions")
PARTITION_ROWS_SQL = query("retention_partition_rows")
DROP_PARTITION_SQL = query("drop_partition_id")
OLDEST_DAY_SQL = query("retention_oldest_day")


@dataclass(frozen=True)
class Dated:
    """A table with a time column: a business day (`date`) or a UTC instant; `by_day` if the
    table is partitioned by the day of that column."""

    table: str
    column: str
    by_day: bool

    @property
    def instant(self) -> bool:
        return self.column != "date"


RAW_TABLES = (
    Dated("pd.api_calls", "ts", by_day=True),
    Dated("pd.api_calls_rejected", "received_at", by_day=False),
)


@dataclass
class Dropped:
    """What retention removed (or, dry, would remove) from one schema."""

    schema: str
    oldest_kept: date | None
    rows: dict[str, int] = field(default_factory=dict)
    days: int = 0

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def dated_tables(warehouse: Warehouse, schema: str) -> list[Dated]:
    """The dated tables of `pd` or `dwh` that retention trims."""
    if schema == "pd":
        return list(RAW_TABLES)
    rows = warehouse.rows(DATED_TABLES_SQL)
    return [Dated(f"dwh.{row['name']}", "date", bool(row["by_day"])) for row in rows]


def _bounds(limits: Limits, schema: str) -> tuple[date, date | datetime] | None:
    """(partitions before, rows before) for a schema, or None when it keeps every day."""
    oldest = getattr(limits, schema)
    if oldest is None:
        return None
    if schema == "dwh":
        return oldest, oldest
    start = limits.start_of(schema)
    # A UTC day's partition goes once all of it is older than the oldest business day kept.
    return start.astimezone(timezone.utc).date(), start


def drop_old_days(
    warehouse: Warehouse, limits: Limits, schema: str, dry_run: bool = False
) -> Dropped:
    """Remove from `pd` or `dwh` every row older than the oldest day `limits` keeps there;
    `dry_run` only counts them."""
    dropped = Dropped(schema, getattr(limits, schema))
    bounds = _bounds(limits, schema)
    if bounds is None:
        return dropped
    partitions_before, rows_before = bounds
    for dated in dated_tables(warehouse, schema):
        if dated.by_day:
            rows, days = _drop_partitions(warehouse, dated, partitions_before, dry_run)
            dropped.days = max(dropped.days, days)
        else:
            rows = _drop_rows(warehouse, dated, rows_before, dry_run)
        if rows:
            dropped.rows[dated.table] = rows
    return dropped


def _drop_partitions(
    warehouse: Warehouse, dated: Dated, before: date, dry_run: bool
) -> tuple[int, int]:
    """Drop the day partitions before `before`; returns the rows and days they held."""
    names = sqlfiles.names(table=dated.table)
    old = warehouse.rows(OLD_PARTITIONS_SQL, {**names, "before": before})
    rows = 0
    for partition in old:
        params = {**names, "partition_id": partition["partition_id"]}
        rows += warehouse.scalar(PARTITION_ROWS_SQL, params)
        if not dry_run:
            warehouse.command(DROP_PARTITION_SQL, params)
    return rows, len(old)


def _drop_rows(warehouse: Warehouse, dated: Dated, before: date | datetime, dry_run: bool) -> int:
    """Delete the rows whose time column is before `before`; returns how many there were."""
    params = {**sqlfiles.names(table=dated.table), "column": dated.column, "before": before}
    count = sqlfiles.render("loupe.jobs", "retention_old_rows", "queries", instant=dated.instant)
    rows = warehouse.scalar(count, params)
    if rows and not dry_run:
        delete = sqlfiles.render(
            "loupe.jobs", "retention_delete_rows", "queries", instant=dated.instant
        )
        warehouse.command(delete, params)
    return rows


def oldest_day(warehouse: Warehouse, schema: str, tz: str) -> date | None:
    """The oldest business day `pd` or `dwh` holds (None when its dated tables are empty): the
    oldest call in `pd.api_calls`, the oldest `date` of the dated `dwh` tables."""
    tables = [RAW_TABLES[0]] if schema == "pd" else dated_tables(warehouse, schema)
    days = []
    for dated in tables:
        params = {**sqlfiles.names(table=dated.table), "column": dated.column, "timezone": tz}
        day = warehouse.scalar(OLDEST_DAY_SQL, params)
        if day is not None:
            days.append(day)
    return min(days, default=None)
