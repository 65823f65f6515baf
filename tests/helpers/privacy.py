"""What the erasure tests look for: every trace of one person in any table of the warehouse,
and checksums of the other persons' rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from loupe.warehouse import Warehouse

# Databases that store nothing of Loupe's own: metadata, and the production database's link.
SKIPPED_ENGINES = ("MySQL", "SQLite")
METADATA = ("system", "information_schema", "INFORMATION_SCHEMA")
TRACES_SQL = """
SELECT count() FROM {db:Identifier}.{table:Identifier}
WHERE arrayExists(needle -> position(toString({column:Identifier}), needle) > 0,
                  {needles:Array(String)})
   OR match(toString({column:Identifier}), {user_pattern:String})
"""
USER_SQL = """
SELECT count() FROM {db:Identifier}.{table:Identifier}
WHERE toInt64(assumeNotNull({column:Identifier})) IN {users:Array(Int64)}
"""
VISITOR_KEYS_SQL = """
SELECT count() FROM etl.visitors
WHERE key IN arrayConcat(arrayMap(s -> sipHash64('session', s), {sessions:Array(String)}),
                         arrayMap(u -> sipHash64('user', toUInt64(u)), {users:Array(Int64)}))
"""


@dataclass
class Person:
    """The values that name one person in the warehouse."""

    users: list[int]
    sessions: list[str]
    hashes: list[str] = field(default_factory=list)  # keyed hashes of their email in bodies


def traces(warehouse: Warehouse, person: Person) -> dict[str, int]:
    """Rows per `db.table.column` that hold one of the person's user ids (in a user-id column,
    or as `"user_id": N` in text), session ids or hashes; only those found."""
    skipped = {
        row["name"]
        for row in warehouse.rows(
            "SELECT name FROM system.databases WHERE engine IN {engines:Array(String)}",
            {"engines": list(SKIPPED_ENGINES)},
        )
    }
    columns = warehouse.rows(
        "SELECT c.database AS db, c.table AS table, c.name AS column, c.type AS type "
        "FROM system.columns AS c INNER JOIN system.tables AS t "
        "ON t.database = c.database AND t.name = c.table "
        "WHERE c.database NOT IN {skipped:Array(String)} AND t.engine NOT IN ('View')",
        {"skipped": [*METADATA, *skipped]},
    )
    pattern = r'"user_id"\s*:\s*"?(' + "|".join(map(str, person.users)) + r")\b"
    found = {}
    for column in columns:
        params = {"db": column["db"], "table": column["table"], "column": column["column"]}
        kind = column["type"].replace("LowCardinality(", "").replace("Nullable(", "")
        if kind.startswith("String"):
            count = warehouse.scalar(
                TRACES_SQL,
                {**params, "needles": person.sessions + person.hashes, "user_pattern": pattern},
            )
        elif "user_id" in column["column"] and "Int" in kind:
            count = warehouse.scalar(USER_SQL, {**params, "users": person.users})
        else:
            continue
        if count:
            found[f"{column['db']}.{column['table']}.{column['column']}"] = count
    keys = warehouse.scalar(VISITOR_KEYS_SQL, {"sessions": person.sessions, "users": person.users})
    if keys:
        found["etl.visitors.key"] = keys
    return found


# The per-person dwh tables and how the rows of others are picked (orders by their ids).
OTHERS = {
    "dwh.sessions": "session_id NOT IN {sessions:Array(String)}",
    "dwh.catalog_sessions": "session_id NOT IN {sessions:Array(String)}",
    "dwh.product_sessions": "session_id NOT IN {sessions:Array(String)}",
    "dwh.orders": "id NOT IN {orders:Array(Int64)}",
    "dwh.order_items": "order_id NOT IN {orders:Array(Int64)}",
}


def checksums(warehouse: Warehouse, sessions: list[str], orders: list[int]) -> dict[str, tuple]:
    """Row count and XOR of row hashes of everyone else's rows, per table (the copies' refresh
    time left out)."""
    sums = {}
    for table, where in OTHERS.items():
        except_ = " EXCEPT (refreshed_at)" if table in ("dwh.orders", "dwh.order_items") else ""
        row = warehouse.rows(
            f"SELECT count() AS n, groupBitXor(cityHash64(*)) AS x "
            f"FROM (SELECT *{except_} FROM {table} WHERE {where})",
            {"sessions": sessions, "orders": orders},
        )[0]
        sums[table] = (row["n"], row["x"])
    return sums
