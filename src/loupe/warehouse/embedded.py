"""The embedded engine: chDB (ClickHouse in-process) over a persistent data directory.

chDB allows one data directory per process and one process per directory. Loupe therefore keeps a
single shared, reference-counted engine per process (`EmbeddedWarehouse.open`), guarded by a
`DirectoryLock` so that a second process gets a clear error. Each thread gets its own connection
to the directory: chDB runs them in parallel. The directory is private (0700, files 0600 while
open: `private.py`), since chDB keeps the production database's password in it.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import chdb
import pyarrow as pa

from loupe.errors import LoupeError, QueryError
from loupe.warehouse.base import Warehouse, render_settings
from loupe.warehouse.lock import DirectoryLock
from loupe.warehouse.private import hold_private_umask, make_private, release_private_umask

_registry_lock = threading.Lock()
_open_engine: EmbeddedWarehouse | None = None
# chDB sizes the pool of background merges and mutations by the cores (2 here: 4 tasks), where a
# ClickHouse server has 16. A lightweight DELETE is one task per part, and it queues behind the
# merges that ingestion starts: a DELETE over 16 parts took 2.3 s with chDB's pool and 0.2 s with
# the server's. Hourly runs mask rebuilt visits with such DELETEs (jobs/run.py).
ENGINE_OPTIONS = "background_pool_size=16"


_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"})


def _bind_value(value: Any) -> Any:
    """chDB reads parameter values in ClickHouse's escaped text form (like the HTTP interface):
    backslashes and control characters must be escaped, and arrays written as literals."""
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, list):
        return "[" + ",".join(_literal(item) for item in value) + "]"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return "'" + value.translate(_ESCAPES).replace("'", "\\'") + "'"
    return str(_bind_value(value))


def _bind_params(params: dict[str, Any]) -> dict[str, Any] | None:
    return {name: _bind_value(value) for name, value in params.items()} or None


_NESTED_CODE = re.compile(r"^(Code: \d+\. DB::Exception: )+(?=Code: \d+\. DB::Exception: )")


def _error_line(exc: Exception) -> str:
    """chDB messages carry a stack trace after the first line; keep the first line. An error
    rethrown through chDB's layers repeats its code prefix and `(NAME) (version ...)` suffix once
    per layer: keep the innermost message, with its name once."""
    text = str(exc).strip()
    if not text:
        return type(exc).__name__
    line = text.splitlines()[0].split(", Stack trace")[0]
    return _NESTED_CODE.sub("", line).split(" (version ")[0]


class EmbeddedWarehouse(Warehouse):
    """chDB over `data_dir`; obtain it with `EmbeddedWarehouse.open`, release with `close`."""

    kind = "embedded"

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self._lock = DirectoryLock(self.data_dir)
        self._local = threading.local()
        self._connections: list[Any] = []
        self._connections_lock = threading.Lock()
        self._users = 0
        self._closed = False

    @classmethod
    def open(cls, data_dir: Path) -> EmbeddedWarehouse:
        """Return this process's engine for `data_dir`, opening and locking it on first use."""
        global _open_engine
        with _registry_lock:
            wanted = data_dir.resolve()
            if _open_engine is not None and _open_engine.data_dir != wanted:
                raise LoupeError(
                    f"this process already has the embedded warehouse {_open_engine.data_dir} "
                    f"open; chDB opens one data directory per process (asked for {wanted})"
                )
            if _open_engine is None:
                engine = cls(wanted)
                make_private(wanted)
                engine._lock.acquire()
                hold_private_umask()
                try:
                    engine._connection()
                except Exception:
                    release_private_umask()
                    engine._lock.release()
                    raise
                _open_engine = engine
            _open_engine._users += 1
            return _open_engine

    def close(self) -> None:
        """Release one user; the last one closes every connection and drops the lock."""
        global _open_engine
        with _registry_lock:
            self._users -= 1
            if self._users > 0:
                return
            with self._connections_lock:
                for connection in self._connections:
                    connection.close()
                self._connections.clear()
            self._local = threading.local()
            self._closed = True
            self._lock.release()
            release_private_umask()
            if _open_engine is self:
                _open_engine = None

    def _connection(self) -> Any:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            # A thread still holding a closed engine (a lease heartbeat, say) must not reconnect:
            # that connection would never be closed and would keep chDB on this directory.
            if self._closed:
                raise LoupeError(f"the embedded warehouse {self.data_dir} is closed")
            try:
                connection = chdb.connect(f"{self.data_dir}?{ENGINE_OPTIONS}")
            except Exception as exc:
                raise LoupeError(
                    f"cannot open the embedded warehouse {self.data_dir}: {_error_line(exc)}"
                ) from exc
            self._local.connection = connection
            with self._connections_lock:
                self._connections.append(connection)
        return connection

    def _run(self, sql: str, fmt: str, params: dict[str, Any]) -> Any:
        try:
            return self._connection().query(sql, fmt, params=_bind_params(params))
        except LoupeError:
            raise
        except Exception as exc:
            raise QueryError(_error_line(exc)) from exc

    def _query_arrow(self, sql: str, params: dict[str, Any]) -> pa.Table:
        return self._run(sql, "ArrowTable", params)

    def _query_bytes(self, sql: str, fmt: str, params: dict[str, Any]) -> bytes:
        return self._run(sql, fmt, params).bytes()

    def _command(self, sql: str, params: dict[str, Any]) -> None:
        self._run(sql, "Null", params)

    def _insert_arrow(self, table: str, data: pa.Table, settings: Mapping[str, Any] | None) -> None:
        # `INSERT ... FROM INFILE` reading Arrow IPC bytes from an in-memory file, as one query:
        # it raises when the data did not land (NOT_ENOUGH_SPACE, a read-only directory, a part
        # that failed after others were written). chDB 26.9's streaming insert (`send_insert`)
        # does not: its `finish()` returned success, with `rows_written` set, for inserts that
        # wrote nothing on a full or read-only disk. It measured as fast (docs/benchmarks.md),
        # and other Python threads keep running while ClickHouse parses and writes.
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, data.schema) as writer:
            writer.write_table(data)
        columns = ", ".join(f"`{name}`" for name in data.column_names)
        with _memory_file(sink.getvalue()) as path:
            sql = (
                f"INSERT INTO {table} ({columns}) FROM INFILE '{path}'"
                f"{render_settings(settings)} FORMAT ArrowStream"
            )
            self._run(sql, "Null", {})


@contextmanager
def _memory_file(data: pa.Buffer) -> Iterator[str]:
    """Yield a path that reads `data`: an anonymous in-memory file (Linux `memfd`, on no disk,
    so a full warehouse disk cannot refuse it), else an unlinked temporary file in TMPDIR."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("loupe-insert", os.MFD_CLOEXEC)
        stream = open(fd, "wb")  # noqa: SIM115 - closed below, with the descriptor
    else:
        stream = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        stream.write(memoryview(data))
        stream.flush()
        yield f"/dev/fd/{stream.fileno()}"
    finally:
        stream.close()
