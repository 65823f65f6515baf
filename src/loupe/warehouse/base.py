"""The small interface every warehouse engine offers, with SQL logging and error wrapping.

Engines implement four primitives (`_query_arrow`, `_query_bytes`, `_command`, `_insert_arrow`);
this class adds what both need: one log line per statement (SQL, time, rows) with secrets
redacted, and engine errors turned into `QueryError` / `WarehouseUnavailableError`.
"""

from __future__ import annotations

import logging
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

import pyarrow as pa

from loupe import sqlfiles
from loupe.logs import redact

log = logging.getLogger("loupe.sql")

Params = Mapping[str, Any] | None
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
_SETTING_VALUE = re.compile(r"^[A-Za-z0-9_.:-]*$")


def check_identifier(name: str) -> str:
    """Return `name` if it is a plain (optionally database-qualified) identifier, else raise."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain identifier: {name!r}")
    return name


def render_settings(settings: Mapping[str, Any] | None) -> str:
    """Render a `SETTINGS a = 1, b = 'x'` clause from Loupe's own (never user-given) settings."""
    if not settings:
        return ""
    parts = []
    for key, value in settings.items():
        check_identifier(key)
        if isinstance(value, bool | int | float):
            parts.append(f"{key} = {int(value) if isinstance(value, bool) else value}")
        elif isinstance(value, str) and _SETTING_VALUE.match(value):
            parts.append(f"{key} = '{value}'")
        else:
            raise ValueError(f"unsupported value for setting {key}: {value!r}")
    return " SETTINGS " + ", ".join(parts)


def plain_value(value: Any) -> Any:
    """A parameter value in the form both engines bind alike: flags as 0/1 (clickhouse-connect
    sends `True`, which a server refuses for a UInt8); instants as text in UTC, without an offset
    (every DateTime64 placeholder of Loupe's SQL is in 'UTC'; chDB reads text, and
    clickhouse-connect 0.8, pyproject's lower bound, would send a datetime to the second only:
    10:15:30.123 arrived as 10:15:30); lists item by item."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value.isoformat(sep=" ")
    if isinstance(value, list | tuple):
        return [plain_value(item) for item in value]
    return value


def plain_params(params: Params) -> dict[str, Any]:
    return {name: plain_value(value) for name, value in (params or {}).items()}


class Warehouse(ABC):
    """A ClickHouse engine: run statements, read Arrow results, insert Arrow tables."""

    kind: str = "abstract"

    def query(self, sql: str, params: Params = None) -> pa.Table:
        """Run a SELECT and return its result as an Arrow table."""
        bound = plain_params(params)
        return self._timed(sql, lambda: self._query_arrow(sql, bound), params, count_rows=True)

    def rows(self, sql: str, params: Params = None) -> list[dict[str, Any]]:
        """Run a SELECT and return its rows as dicts."""
        return self.query(sql, params).to_pylist()

    def scalar(self, sql: str, params: Params = None) -> Any:
        """Run a SELECT and return the first column of its first row (None if no rows)."""
        table = self.query(sql, params)
        return table.column(0)[0].as_py() if table.num_rows else None

    def query_bytes(self, sql: str, fmt: str, params: Params = None) -> bytes:
        """Run a statement and return its result in a ClickHouse output format, as bytes."""
        check_identifier(fmt)
        bound = plain_params(params)
        return self._timed(sql, lambda: self._query_bytes(sql, fmt, bound), params)

    def command(self, sql: str, params: Params = None) -> None:
        """Run a statement that returns no rows (DDL, INSERT ... SELECT, ALTER)."""
        bound = plain_params(params)
        self._timed(sql, lambda: self._command(sql, bound), params)

    def insert_arrow(
        self, table: str, data: pa.Table, settings: Mapping[str, Any] | None = None
    ) -> None:
        """Insert an Arrow table into `table` (columns matched by name)."""
        check_identifier(table)
        label = f"INSERT INTO {table} ({data.num_rows} rows){render_settings(settings)}"
        self._timed(label, lambda: self._insert_arrow(table, data, settings))

    @abstractmethod
    def close(self) -> None:
        """Release the engine (connections, locks)."""

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _timed(self, sql: str, run: Any, params: Params = None, count_rows: bool = False) -> Any:
        started = time.perf_counter()
        result = run()
        if log.isEnabledFor(logging.DEBUG):
            elapsed_ms = (time.perf_counter() - started) * 1000
            rows = f", {result.num_rows} rows" if count_rows else ""
            log.debug("%.1f ms%s: %s", elapsed_ms, rows, redact(sqlfiles.shown(sql, params)))
        return result

    # The primitives receive `plain_params`.
    @abstractmethod
    def _query_arrow(self, sql: str, params: dict[str, Any]) -> pa.Table: ...

    @abstractmethod
    def _query_bytes(self, sql: str, fmt: str, params: dict[str, Any]) -> bytes: ...

    @abstractmethod
    def _command(self, sql: str, params: dict[str, Any]) -> None: ...

    @abstractmethod
    def _insert_arrow(
        self, table: str, data: pa.Table, settings: Mapping[str, Any] | None
    ) -> None: ...
