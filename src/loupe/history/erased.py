"""Keeping erased persons out of what is copied from the production database.

The production database still holds a person `loupe forget` erased. Their rows are dropped from
the staging tables right after they are read: the snapshot's `etl.snapshot_<entity>` (cart and
favorites versions), the dimension copies' `etl.dim_orders` and `etl.dim_order_items`, and the
reconciliation's `etl.reconcile_orders`. Which values are erased is decided by hashing each
distinct user and session id staged under the hash key (ingest/erased.py), as the erasure list
holds keyed hashes only.
"""

from __future__ import annotations

from loupe import sqlfiles
from loupe.ingest.erased import ErasedKeys
from loupe.warehouse import Warehouse

# The columns a staged row is matched by, with the kind of value they hold.
PERSON_COLUMNS = {"user_id": "user", "session_id": "session"}


def sql(name: str) -> str:
    """A statement of `history/sql/`."""
    return sqlfiles.load("loupe.history", name)


def erased_in(warehouse: Warehouse, table: str, column: str, keys: ErasedKeys) -> list[str]:
    """The erased values (as text) of `column` in `table`."""
    if not keys.hashes[PERSON_COLUMNS[column]]:
        return []
    rows = warehouse.rows(sql("staged_values"), {"column": column, **sqlfiles.names(table=table)})
    return keys.erased_values(PERSON_COLUMNS[column], [row["value"] for row in rows])


def drop_values(warehouse: Warehouse, table: str, column: str, values: list) -> None:
    """Delete the rows of `table` whose `column` (as text) is one of `values`."""
    if values:
        params = {"column": column, "values": [str(v) for v in values]}
        warehouse.command(sql("drop_staged"), {**params, **sqlfiles.names(table=table)})


def drop_erased(warehouse: Warehouse, table: str, columns: list[str], keys: ErasedKeys) -> None:
    """Drop the rows of erased persons from a staging table with some of `PERSON_COLUMNS`."""
    if not keys:
        return
    for column in PERSON_COLUMNS:
        if column in columns:
            drop_values(warehouse, table, column, erased_in(warehouse, table, column, keys))


def drop_erased_orders(warehouse: Warehouse, keys: ErasedKeys) -> None:
    """Drop erased persons' orders, and their lines, from the staged dimension copies."""
    if not keys:
        return
    for column in PERSON_COLUMNS:
        values = erased_in(warehouse, "etl.dim_orders", column, keys)
        if values:
            params = {"column": column, "values": values}
            orders = [row["id"] for row in warehouse.rows(sql("staged_order_ids"), params)]
            drop_values(warehouse, "etl.dim_order_items", "order_id", orders)
            drop_values(warehouse, "etl.dim_orders", column, values)


def drop_erased_reconciliation(warehouse: Warehouse, keys: ErasedKeys) -> None:
    """Drop erased persons' orders from the staged reconciliation (found only in the database)."""
    if not keys:
        return
    orders = [
        row["order_id"]
        for row in warehouse.rows(sql("unlogged_order_owners"))
        if keys.erased("user", row["user_id"]) or keys.erased("session", row["session_id"])
    ]
    drop_values(warehouse, "etl.reconcile_orders", "order_id", orders)
