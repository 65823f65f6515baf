"""The dimension copies BI reads from the production database (its live views: schema/link.py).

`dwh.items`, `dwh.orders` and `dwh.order_items` are copies: each refresh fills its `etl.dim_*`
twin from the production database and replaces the whole `dwh` table in one step (REPLACE
PARTITION), so readers see the old copy or the new one, never a mix; a failing source leaves the
old copy in place.
"""

from __future__ import annotations

from datetime import datetime, timezone

from loupe.errors import LoupeError
from loupe.history.snapshot import sql_template
from loupe.schema.ddl import DDL
from loupe.warehouse import Warehouse

DIMENSIONS = ("items", "orders", "order_items")


def refresh_dimensions(
    warehouse: Warehouse, business_timezone: str, ddl: DDL = DDL()
) -> dict[str, int]:
    """Copy items, orders and order lines from the production database into `dwh`; rows each."""
    params = {"refreshed_at": datetime.now(timezone.utc), "timezone": business_timezone}
    staged: dict[str, int] = {}
    for name in DIMENSIONS:
        staging = f"etl.dim_{name}"
        warehouse.command(f"TRUNCATE TABLE {staging}")
        try:
            warehouse.command(sql_template(f"dim_{name}").render(), params)
        except LoupeError as exc:
            raise LoupeError(
                f"refreshing dwh.{name} from the production database failed, "
                f"dwh.{name} unchanged: {exc}"
            ) from exc
        staged[name] = warehouse.scalar(f"SELECT count() FROM {staging}")
    # Swap only once every copy succeeded, so the three tables stay consistent with each other.
    for name, rows in staged.items():
        target = ddl.table(f"dwh.{name}")
        if rows:
            warehouse.command(f"ALTER TABLE {target} REPLACE PARTITION tuple() FROM etl.dim_{name}")
        else:
            # REPLACE PARTITION refuses an empty source (ClickHouse 26).
            warehouse.command(f"TRUNCATE TABLE {target}")
        warehouse.command(f"TRUNCATE TABLE etl.dim_{name}")
    return staged
