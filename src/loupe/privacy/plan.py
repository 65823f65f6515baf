"""The erasure plan: which tables hold a person's data, and by which columns rows are matched.

The plan is read from `system.columns` at every erasure rather than listed by hand: every
MergeTree-family table with a column named like `PERSONAL_COLUMNS` is in it, so a table added by a
later migration is erased too. A table is matched by its `user_id`, `session_id`, `order_id`
(orders of the person, in dwh.orders), `cart_key` (the shop's `u:<user_id>` or
`s:<session_id>`), its bodies (`request`, `response`: the keyed hashes of
emails) and payloads (`payload`: session ids, email hashes, `"user_id": N`); `etl.visitors` by its
keys (hashes of session and user ids). A table whose personal columns allow no match (an `ip` or
`visit_id` without a `session_id` beside it) is *uncovered*: the erasure refuses to run until the
plan knows how to erase it.
"""

from __future__ import annotations

from dataclasses import dataclass

from loupe import sqlfiles
from loupe.warehouse import Warehouse

# Column names (regular expressions, whole name) that identify a person or their traffic.
PERSONAL_COLUMNS = (
    "user_id",
    "session_id",
    "visit_id",
    "order_id",
    "cart_key",
    "ip",
    "client_ip",
    "request",
    "response",
    "payload",
)
# Columns a row is matched by; a table needs one of them (or only these) to be covered.
MATCHED_COLUMNS = frozenset(
    {"user_id", "session_id", "order_id", "cart_key", "request", "response", "payload"}
)
# Tables matched by a column whose name says nothing on its own.
EXTRA_COLUMNS = {"etl.visitors": ("key",)}


@dataclass(frozen=True)
class PlannedTable:
    """One table of the plan and the personal columns it holds."""

    name: str
    columns: tuple[str, ...]

    @property
    def covered(self) -> bool:
        """Whether every row of a person can be found: a user or session id holds it, or the
        table's personal columns are only ones matched on their own (orders, bodies)."""
        columns = set(self.columns)
        return bool(columns & {"user_id", "session_id", "key"}) or columns <= MATCHED_COLUMNS


def personal_tables(warehouse: Warehouse) -> list[PlannedTable]:
    """Every table that may hold a person's data, with its personal columns."""
    patterns = [f"^({name})$" for name in PERSONAL_COLUMNS]
    found = {
        f"{row['database']}.{row['table']}": tuple(row["columns"])
        for row in warehouse.rows(
            sqlfiles.load("loupe.privacy", "personal_tables"), {"patterns": patterns}
        )
    }
    for name, columns in EXTRA_COLUMNS.items():
        database, _, table = name.partition(".")
        if warehouse.scalar(sqlfiles.load("loupe", "table_exists"), {"d": database, "n": table}):
            found[name] = tuple(sorted({*found.get(name, ()), *columns}))
    return [PlannedTable(name, tuple(sorted(columns))) for name, columns in sorted(found.items())]


def uncovered(tables: list[PlannedTable]) -> list[PlannedTable]:
    """The tables the plan cannot erase a person from."""
    return [table for table in tables if not table.covered]
