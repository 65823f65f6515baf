"""The reader guard: what a BI tool's statement may touch, checked before it runs.

chDB 26.9 has no users (docs/http-interface.md, "What chDB honours"), so the interface enforces
the reader role itself, in two layers:

1. At the engine: a reader's connection runs with `readonly = 2` (no writes, no DDL, `readonly`
   cannot be lowered) and with `additional_table_filters` on the system tables that list
   databases, tables and columns, so `SHOW DATABASES`, `SHOW TABLES`, `system.tables`,
   `system.columns` and `information_schema` show only the reader's databases.
2. Here, on the statement's parse tree (`EXPLAIN AST`, statement.py), before it runs: the kind of
   statement (read statements, SET and USE only); every table named (`TableIdentifier`, and any
   dotted identifier such as `x IN pd.p`) must be in the reader's databases, `information_schema`
   or an allowed system table; a view is read only if its definition passes the same check,
   recursively (a server's views run with the invoker's rights by default: the same rule); only
   tables of local engines (MergeTree family, Memory, Log, Null, Join, View); no table function
   but the harmless ones (`numbers`, `values`, `view`...); no function that reads files,
   dictionaries or other tables by name (`file`, `dictGet*`, `joinGet`, `hasColumnInTable`...);
   no `Identifier` query parameters (they would name a table after this check); and none of the
   settings that lift these limits (`readonly`, `additional_table_filters`, `dialect`...) in
   SET, SETTINGS or the URL.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from loupe import sqlfiles
from loupe.interface.protocol import ClickHouseError, engine_error
from loupe.interface.statement import Statement, analyze

METADATA_DATABASES = ("system", "information_schema", "INFORMATION_SCHEMA")
# System tables that say nothing about other databases, or are filtered to the reader's
# databases by `additional_table_filters` (FILTERED_SYSTEM_TABLES).
SYSTEM_TABLES = frozenset(
    {
        "one", "numbers", "numbers_mt", "zeros", "zeros_mt", "settings", "functions",
        "table_functions", "data_type_families", "formats", "collations", "time_zones",
        "table_engines", "database_engines", "aggregate_function_combinators", "keywords",
        "build_options", "contributors", "licenses", "merge_tree_settings", "current_roles",
        "enabled_roles", "databases", "tables", "columns", "dictionaries",
        "data_skipping_indices", "projections",
    }
)  # fmt: skip
FILTERED_SYSTEM_TABLES = (
    "tables", "columns", "dictionaries", "data_skipping_indices", "projections",
)  # fmt: skip
READER_KINDS = frozenset(
    {
        "SelectWithUnionQuery", "SelectIntersectExceptQuery", "Explain", "DescribeQuery",
        "ExistsTableQuery", "ShowCreateTableQuery", "ShowTables", "ShowColumns", "ShowFunctions",
        "Set", "UseQuery",
    }
)  # fmt: skip
TABLE_FUNCTIONS_ALLOWED = frozenset(
    {"numbers", "numbers_mt", "zeros", "zeros_mt", "generate_series", "generateseries",
     "values", "null", "view", "format", "generaterandom", "primes"}
)  # fmt: skip
FUNCTIONS_DENIED = frozenset(
    {"file", "joinget", "joingetornull", "hascolumnintable", "catboostevaluate",
     "naivebayesclassifier", "getserversetting", "getmacro"}
)  # fmt: skip
PROTECTED_SETTINGS = (
    "readonly", "additional_table_filters", "additional_result_filter", "dialect",
    "allow_introspection_functions", "allow_ddl", "query_cache_share_between_users",
    "enable_analyzer", "allow_experimental_analyzer",
)  # fmt: skip
# A protected name being assigned (`readonly = 0`), in a statement with a SET or SETTINGS: a
# column compared with `=` in a query with a SETTINGS clause is refused too (rare, and safe).
_PROTECTED = re.compile(r"`?\b(" + "|".join(PROTECTED_SETTINGS) + r")\b`?\s*=(?!=)", re.IGNORECASE)
_SETTINGS_KEYWORD = re.compile(r"\bSETTINGS\b", re.IGNORECASE)
_IDENTIFIER_PARAMETER = re.compile(r"\{\s*\w+\s*:\s*Identifier\s*\}", re.IGNORECASE)
_LOCAL_ENGINES = ("Memory", "Log", "TinyLog", "StripeLog", "Null", "Join", "View")
_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_VIEW_DEPTH = 8


def denied(message: str) -> ClickHouseError:
    """The error a server sends when a grant is missing."""
    return ClickHouseError(497, message, "ACCESS_DENIED")


def check_setting_names(user: str, names: Iterable[str]) -> None:
    """Refuse URL settings that would lift the reader's limits."""
    for name in names:
        if name.lower() in PROTECTED_SETTINGS:
            raise ClickHouseError(
                164, f"{user}: Cannot modify '{name}' setting in readonly mode", "READONLY"
            )


def filter_settings(databases: Iterable[str]) -> str:
    """`SET additional_table_filters` limiting the system tables to `databases` (plus the
    metadata databases). Database names are plain identifiers (checked in settings)."""
    names = [*databases, *METADATA_DATABASES]
    for name in names:
        if not _PLAIN_NAME.match(name):
            raise ValueError(f"not a plain database name: {name!r}")
    listed = ", ".join(f"\\'{name}\\'" for name in names)
    filters = [f"'system.{table}': 'database IN ({listed})'" for table in FILTERED_SYSTEM_TABLES]
    filters.append(f"'system.databases': 'name IN ({listed})'")
    return "SET additional_table_filters = {" + ", ".join(filters) + "}"


@dataclass(frozen=True)
class Reader:
    """What one reader may see."""

    name: str
    databases: tuple[str, ...]


class ReaderGuard:
    """Checks a reader's statements against the catalog, through a connection of its own."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self._lock = threading.Lock()
        rows = self._rows(sqlfiles.load("loupe.interface", "table_functions"), {})
        self._table_functions = frozenset(row[0].lower() for row in rows)

    def _rows(self, sql: str, params: dict[str, str]) -> list[list[Any]]:
        with self._lock:
            try:
                text = self._connection.query(sql, "JSONCompactEachRow", params=params or None)
            except Exception as exc:
                raise engine_error(exc) from None
        return [json.loads(line) for line in text.bytes().decode().splitlines() if line]

    def check(self, reader: Reader, statement: Statement, database: str) -> None:
        """Raise `ClickHouseError` (497 or 164) unless `reader` may run `statement` with
        `database` as its current database."""
        if statement.kind not in READER_KINDS:
            raise ClickHouseError(
                164, f"{reader.name}: Cannot execute query in readonly mode", "READONLY"
            )
        text = statement.code_text()
        protected = _PROTECTED.search(text)
        if protected and (statement.kind == "Set" or _SETTINGS_KEYWORD.search(text)):
            check_setting_names(reader.name, [protected.group(1)])
        if _IDENTIFIER_PARAMETER.search(text):
            raise denied(f"{reader.name}: Identifier query parameters are not allowed")
        self._check_tree(reader, statement, database, depth=0)

    def _catalog(
        self, tables: list[tuple[str, str]], permitted: set[str]
    ) -> tuple[set[str], dict[tuple[str, str], tuple[str, str]]]:
        """The databases that exist, and the engine and view SELECT of those of `tables` the
        reader may name, in one engine statement. A name that is not a plain identifier is left
        out (looked up on its own by `_table`): the names go in Array(String) parameters."""
        wanted = [
            (db, table) for db, table in tables
            if db in permitted and db not in METADATA_DATABASES
            and _PLAIN_NAME.match(db) and _PLAIN_NAME.match(table)
        ]  # fmt: skip
        params = {
            "d": "[" + ",".join(f"'{db}'" for db, _ in wanted) + "]",
            "n": "[" + ",".join(f"'{table}'" for _, table in wanted) + "]",
        }
        existing: set[str] = set()
        engines: dict[tuple[str, str], tuple[str, str]] = {}
        for kind, db, table, engine, as_select in self._rows(
            sqlfiles.load("loupe.interface", "catalog"), params
        ):
            if kind == "database":
                existing.add(db)
            else:
                engines[(db, table)] = (engine, as_select)
        for db, table in wanted:
            engines.setdefault((db, table), ("", ""))  # no such table: nothing to check
        return existing, engines

    def _check_tree(self, reader: Reader, statement: Statement, database: str, depth: int) -> None:
        permitted = {*reader.databases, *METADATA_DATABASES}
        tables: list[tuple[str, str]] = []
        nodes = statement.nodes
        root = statement.kind
        if root in ("ExistsTableQuery", "ShowCreateTableQuery", "UseQuery", "ShowTables"):
            names = [node.argument for node in nodes[1:] if node.kind == "Identifier"]
            if names and names[-1] == statement.output_format:
                names.pop()  # `FORMAT Native` is an Identifier child too
            if root in ("UseQuery", "ShowTables"):
                for name in names[:1]:
                    self._database(reader, name, permitted)
            elif len(names) >= 2:
                tables.append((names[0], names[1]))
            elif names:
                tables.append((database, names[0]))
        for node in nodes:
            if node.kind == "TableIdentifier":
                db, dot, table = node.argument.partition(".")
                tables.append((db, table) if dot else (database, node.argument))
        existing, engines = self._catalog(tables, permitted)
        for node in nodes:
            name = node.argument
            if node.kind == "Function":
                lowered = name.lower()
                if lowered in FUNCTIONS_DENIED or lowered.startswith("dict"):
                    raise denied(f"{reader.name}: the function {name} is not allowed")
                if lowered in self._table_functions and lowered not in TABLE_FUNCTIONS_ALLOWED:
                    raise denied(f"{reader.name}: the table function {name} is not allowed")
            elif node.kind == "Identifier" and "." in name:
                first = name.split(".")[0]
                if first in existing and first not in permitted:
                    raise denied(f"{reader.name}: Not enough privileges to read {name}")
        for db, table in tables:
            self._table(reader, db, table, permitted, depth, engines)

    @staticmethod
    def _database(reader: Reader, name: str, permitted: set[str]) -> None:
        if name not in permitted:
            raise denied(f"{reader.name}: Not enough privileges on the database {name}")

    def _table(
        self, reader: Reader, db: str, table: str, permitted: set[str], depth: int,
        engines: dict[tuple[str, str], tuple[str, str]],
    ) -> None:  # fmt: skip
        self._database(reader, db, permitted)
        if db == "system":
            if table not in SYSTEM_TABLES:
                raise denied(f"{reader.name}: Not enough privileges to read system.{table}")
            return
        if db in METADATA_DATABASES:
            return
        found = engines.get((db, table))
        if found is None:
            rows = self._rows(
                sqlfiles.load("loupe.interface", "table_engine"), {"d": db, "t": table}
            )
            found = (rows[0][0], rows[0][1]) if rows else ("", "")
        engine, as_select = found
        if not engine:
            return  # a WITH name, an alias, or no such table (the engine says so)
        if not (engine.endswith("MergeTree") or engine in _LOCAL_ENGINES):
            raise denied(f"{reader.name}: {db}.{table} ({engine}) reaches beyond the warehouse")
        if engine == "View":
            if depth >= MAX_VIEW_DEPTH:
                raise denied(f"{reader.name}: views nested too deep under {db}.{table}")
            definition = analyze(self._connection_for_views(), as_select)
            self._check_tree(reader, definition, db, depth + 1)

    def _connection_for_views(self) -> Any:
        return _Locked(self._connection, self._lock)


class _Locked:
    """The guard's connection, used under its lock (statement.analyze takes a connection)."""

    def __init__(self, connection: Any, lock: threading.Lock) -> None:
        self._connection = connection
        self._lock = lock

    def query(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return self._connection.query(*args, **kwargs)
