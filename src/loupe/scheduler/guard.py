"""A warehouse that refuses the next statement once a stop is requested (SIGTERM).

The jobs run many statements and only swap finished days into `dwh` at their end, so stopping
*between* statements leaves `dwh` as it was. One exception: once a day's publish has begun (its
copies of the current partitions to `etl.previous_*`: jobs/publish.py), every statement of it
goes through (partition statements, its journal and `etl.visitors` writes, run records), so a
stop never leaves one table of a day new and another old, nor a journal that the next build
would have to undo.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from loupe import sqlfiles
from loupe.errors import LoupeError
from loupe.warehouse import Warehouse
from loupe.warehouse.base import Params

PUBLISH = re.compile(
    r"^\s*ALTER\s+TABLE\s+(dwh\.\w+|etl\.previous_\w+)\s+(REPLACE|DROP)\s+PARTITION", re.IGNORECASE
)
# The publish's other statements: they neither start nor end it.
_PUBLISH_STEP = re.compile(
    r"INSERT\s+INTO\s+etl\.(job_runs|publishes|visitors)\b|DELETE\s+FROM\s+etl\.visitors\b",
    re.IGNORECASE,
)


class StopRequested(LoupeError):
    """The scheduler was asked to stop; the interrupted run changed nothing in `dwh`."""


class StoppableWarehouse(Warehouse):
    """Runs statements on `inner` until `stop` is set; then raises `StopRequested` instead."""

    def __init__(self, inner: Warehouse, stop: threading.Event) -> None:
        self.inner = inner
        self.stop = stop
        self.kind = inner.kind
        self._swapping = False

    def close(self) -> None:
        """Nothing to release: the owner of `inner` closes it."""

    def _check(self, sql: str) -> None:
        """`sql` as the logs show it (sqlfiles.shown): comments dropped, table names bound."""
        if PUBLISH.match(sql):
            self._swapping = True
        elif not _PUBLISH_STEP.search(sql):
            self._swapping = False
        if self.stop.is_set() and not self._swapping:
            raise StopRequested("stopped between statements")

    # The four engine primitives, delegated (the base class adds logging around them once).
    def _query_arrow(self, sql: str, params: Params) -> pa.Table:
        self._check(sqlfiles.shown(sql, params))
        return self.inner._query_arrow(sql, params)

    def _query_bytes(self, sql: str, fmt: str, params: Params) -> bytes:
        self._check(sqlfiles.shown(sql, params))
        return self.inner._query_bytes(sql, fmt, params)

    def _command(self, sql: str, params: Params) -> None:
        self._check(sqlfiles.shown(sql, params))
        self.inner._command(sql, params)

    def _insert_arrow(self, table: str, data: pa.Table, settings: Mapping[str, Any] | None) -> None:
        self._check(f"INSERT INTO {table}")
        self.inner._insert_arrow(table, data, settings)
