"""The dimension copies BI reads from the production database (its live views: schema/link.py).

`dwh.items`, `dwh.orders` and `dwh.order_items` are copies: each refresh fills its `etl.dim_*`
twin from the production database and replaces the whole `dwh` table in one step (REPLACE
PARTITION), so readers see the old copy or the new one, never a mix; a failing source leaves the
old copy in place. `dwh.items.label` is the item's name from the production column
`entities.yaml` configures (`label`), when the production table has it, else `SKU · section`.
The order copies keep the days `keep_dwh_days` keeps (the refresh copies no
older order), so retention's deletion of older ones lasts. The orders of persons on the erasure
list, and their lines, are left out (history/erased.py).
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from loupe import sqlfiles
from loupe.errors import LoupeError
from loupe.history.entities import item_label
from loupe.history.erased import drop_erased_orders
from loupe.history.snapshot import sql
from loupe.ingest.erased import ErasedKeys
from loupe.schema.ddl import DDL
from loupe.warehouse import Warehouse

DIMENSIONS = ("items", "orders", "order_items")


def refresh_dimensions(
    warehouse: Warehouse,
    business_timezone: str,
    ddl: DDL = DDL(),
    keep_from: date | None = None,
    key: bytes | None = None,
) -> dict[str, int]:
    """Copy items, orders and order lines from the production database into `dwh` (the orders
    of `keep_from` and later, when given: the oldest day `dwh` keeps); rows each. `key` is the
    hash key, which reads the erasure list (needed once it is not empty)."""
    erased = ErasedKeys.load(warehouse, key)
    label = item_label(warehouse)
    params: dict[str, object] = {
        "refreshed_at": datetime.now(timezone.utc),
        "timezone": business_timezone,
        "keep_from": keep_from or date(1970, 1, 1),
    }
    if label:
        params["label"] = label  # a column name: bound as {label:Identifier}
    truncate = sqlfiles.load("loupe", "truncate_table")
    staged: dict[str, int] = {}
    for name in DIMENSIONS:
        staging = sqlfiles.names(table=f"etl.dim_{name}")
        warehouse.command(truncate, staging)
        try:
            warehouse.command(sql(f"dim_{name}", named=label is not None), params)
        except LoupeError as exc:
            raise LoupeError(
                f"refreshing dwh.{name} from the production database failed, "
                f"dwh.{name} unchanged: {exc}"
            ) from exc
    drop_erased_orders(warehouse, erased)
    for name in DIMENSIONS:
        staging = sqlfiles.names(table=f"etl.dim_{name}")
        staged[name] = warehouse.scalar(sqlfiles.load("loupe", "count_rows"), staging)
    # Swap only once every copy succeeded, so the three tables stay consistent with each other.
    for name, rows in staged.items():
        target = sqlfiles.names(table=ddl.table(f"dwh.{name}"))
        if rows:
            warehouse.command(sql("replace_dimension", source=f"etl.dim_{name}"), target)
        else:
            # REPLACE PARTITION refuses an empty source (ClickHouse 26).
            warehouse.command(truncate, target)
        warehouse.command(truncate, sqlfiles.names(table=f"etl.dim_{name}"))
    return staged
