"""The queries running through the interface: their client query ids, progress and cancellation.

chDB gives each query an id of its own and takes none from the caller, so the interface starts
the text it runs with a marker of its own (`/* loupe:<hex> */`, `marked`) and finds the engine's
query by it in `system.processes`: `KILL QUERY WHERE query_id = '<client id>'` from another
connection, and a client that closes its connection (with
`cancel_http_readonly_queries_on_client_close=1`), cancel it there with the engine's own KILL
QUERY (measured: the query stops within a few hundred milliseconds). The engine reports
progress through the connection's progress callback (about every 100 ms), kept for the
`X-ClickHouse-Progress` headers. A second query with the id of a running one is refused (216),
as on a server.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from loupe import sqlfiles
from loupe.interface.protocol import ClickHouseError, engine_error


@dataclass
class Running:
    """One client query while it runs."""

    query_id: str
    user: str
    marker: str
    text: str = ""
    reads_only: bool = False
    progress: list[dict[str, Any]] = field(default_factory=list)
    killed: bool = False

    def marked(self, sql: str) -> str:
        """`sql` as the engine runs it: after the marker that finds it in system.processes."""
        self.text = sql
        return f"{self.marker} {sql}"


class RunningQueries:
    """The registry, and a connection of its own to cancel queries with."""

    def __init__(self, control: Any) -> None:
        self._control = control
        self._lock = threading.Lock()
        self._control_lock = threading.Lock()
        self._running: dict[str, Running] = {}

    @contextmanager
    def run(self, query_id: str, user: str) -> Iterator[Running]:
        """Register `query_id` while the block runs its query."""
        running = Running(query_id, user, f"/* loupe:{secrets.token_hex(8)} */")
        with self._lock:
            if query_id in self._running:
                raise ClickHouseError(
                    216,
                    f"Query with id = {query_id} is already running.",
                    "QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING",
                )
            self._running[query_id] = running
        try:
            yield running
        finally:
            with self._lock:
                self._running.pop(query_id, None)

    def find(self, query_id: str) -> Running | None:
        """The running query with this client id, if any."""
        with self._lock:
            return self._running.get(query_id)

    def kill(self, running: Running) -> None:
        """Cancel `running` in the engine and wait until it has stopped."""
        running.killed = True
        sql = sqlfiles.load("loupe.interface", "kill_marked")
        with self._control_lock:
            try:
                self._control.query(sql, "TSVRaw", params={"marker": running.marker})
            except Exception as exc:
                raise engine_error(exc) from None

    def cancel_on_close(self, query_id: str) -> bool:
        """Cancel the client's query whose connection closed, if it only reads (a server
        cancels read-only queries only); whether it was cancelled."""
        running = self.find(query_id)
        if running is None or not running.reads_only:
            return False
        self.kill(running)
        return True


@contextmanager
def progress_of(connection: Any, running: Running, wanted: bool) -> Iterator[None]:
    """Keep the engine's progress reports of the query run in the block, if `wanted`."""
    if not wanted:
        yield
        return
    connection.set_progress_callback(running.progress.append)
    try:
        yield
    finally:
        connection.set_progress_callback(None)


PROGRESS_FIELDS = ("read_rows", "read_bytes", "written_rows", "written_bytes",
                   "total_rows_to_read", "result_rows", "result_bytes", "elapsed_ns")  # fmt: skip


def progress_headers(running: Running, interval_ms: float) -> list[str]:
    """`X-ClickHouse-Progress` values, at most one per `interval_ms` of the query's time, as a
    server sends them (counters as strings, in one JSON object each)."""
    values = []
    last = None
    for report in running.progress:
        elapsed = int(report.get("elapsed_ns", 0))
        if last is not None and elapsed - last < interval_ms * 1e6:
            continue
        last = elapsed
        counters = {name: str(int(report.get(name, 0))) for name in PROGRESS_FIELDS}
        values.append(json.dumps(counters, separators=(",", ":")))
    return values
