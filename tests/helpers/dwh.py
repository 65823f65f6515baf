"""Reading the dwh tables in tests: a day's visits, checksums and fingerprints of the tables, and
a table taken away for the length of a block (every statement on it fails)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import loupe.jobs
from loupe.warehouse import Warehouse
from tests.helpers.calls import DAY

# The tables the day build writes (user_agents last: the hourly tests leave it in place).
DWH_TABLES = (
    "sessions",
    "catalog_sessions",
    "product_sessions",
    "daily_funnel",
    "daily_product_stats",
    "daily_search_stats",
    "daily_channels",
    "daily_promos",
    "daily_item_demand",
    "search_gaps",
    "price_changes",
    "retention_weekly",
    "repeat_purchase_weekly",
    "cart_events",
    "carts",
    "user_agents",
)


def visits(warehouse: Warehouse, day: date = DAY) -> list[dict]:
    """The rows of dwh.sessions of `day`, by start time."""
    return warehouse.rows(
        "SELECT * FROM dwh.sessions WHERE date = {day:Date} ORDER BY start_ts", {"day": day}
    )


@contextmanager
def table_away(warehouse: Warehouse, table: str) -> Iterator[None]:
    """Make every statement on `table` fail (it is renamed away) for the duration."""
    warehouse.command(f"RENAME TABLE {table} TO {table}_away")
    try:
        yield
    finally:
        warehouse.command(f"RENAME TABLE {table}_away TO {table}")


def checksums(warehouse: Warehouse) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent checksum of each table of `DWH_TABLES`
    (user_agents without its parse time)."""
    sums = {}
    for table in DWH_TABLES:
        source = "(SELECT * EXCEPT parsed_at FROM dwh.user_agents FINAL)"
        if table != "user_agents":
            source = f"dwh.{table}"
        row = warehouse.rows(f"SELECT count() AS n, sum(cityHash64(*)) AS h FROM {source}")[0]
        sums[table] = (row["n"], row["h"])
    return sums


def dwh_fingerprint(warehouse: Warehouse) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent checksum of every dwh table."""
    tables = warehouse.rows(
        "SELECT name FROM system.tables WHERE database = 'dwh' AND engine LIKE '%MergeTree'"
    )
    result = {}
    for table in sorted(row["name"] for row in tables):
        row = warehouse.rows(
            f"SELECT count() AS n, groupBitXor(cityHash64(*)) AS h FROM dwh.{table}"
        )[0]
        result[table] = (row["n"], row["h"])
    return result


def audit_count() -> int:
    """How many audits `loupe etl audit` runs per day: one per file of jobs/audits/."""
    return len(list((Path(loupe.jobs.__file__).parent / "audits").glob("*.sql")))
