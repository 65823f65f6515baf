"""A SELECT's result streamed from the engine while the response is sent.

chDB's `query()` returns a result once it is complete, so the transfer to the client could only
start when the engine had finished. `send_query()` hands the result over in chunks as the engine
produces them (about 700 KiB each): the interface fetches chunks until it holds `HEAD_BYTES` or
the result ends, and only then answers. A result that fits is sent whole, as before: its status,
`X-ClickHouse-Summary` and a late error are those of the complete query. A larger one is sent
while the engine is still producing it: its summary counts what was fetched when the headers
went out, and an error after them ends the body with the error's text and breaks the connection
before the end of the chunked body, so that no client takes a truncated result for a whole one
(a server without `wait_end_of_query=1` behaves alike: its status is sent before the error).

Only formats whose chunks, put together, are exactly what `query()` writes are streamed
(measured: Native, RowBinary, TabSeparated, CSV, JSONEachRow, ...); formats with a header, a
footer or statistics (the `WithNames` variants, JSON, Parquet, Arrow...) write those once per
chunk or not at all for an empty result, so they run whole.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from loupe import sqlfiles
from loupe.interface import native
from loupe.interface.protocol import ClickHouseError, engine_error
from loupe.interface.statement import Statement

STREAMED_FORMATS = frozenset(
    {
        "Native", "RowBinary", "TabSeparated", "TSV", "TabSeparatedRaw", "TSVRaw", "CSV",
        "JSONEachRow", "JSONCompactEachRow", "TSKV",
    }
)  # fmt: skip
HEAD_BYTES = 1 << 20
CONTENT_TYPES = {
    "TabSeparated": "text/tab-separated-values; charset=UTF-8",
    "CSV": "text/csv; charset=UTF-8; header=absent",
    "JSON": "application/json; charset=UTF-8",
}
_PREFIX = "Streaming query failed: "


@dataclass
class Fetched:
    """The chunks fetched before the response starts, the rest (None: the result is complete),
    and the engine's counters over the fetched chunks."""

    head: list[Any]
    rest: Iterator[Any] | None = None
    rows_read: int = 0
    bytes_read: int = 0
    size: int = 0
    close: Callable[[], None] = field(default=lambda: None)

    def add(self, chunk: Any) -> None:
        """Count `chunk` (a chDB result) into the counters."""
        self.rows_read += chunk.rows_read()
        self.bytes_read += chunk.bytes_read()
        self.size += chunk.size()


def streamed(fmt: str, params: dict[str, str], kind: str) -> bool:
    """Whether a statement's result is streamed: a SELECT in a streamed format, unless the
    client asked to wait for the end (`wait_end_of_query=1`) or for progress headers (which
    are only complete at the end)."""
    return (
        kind in ("SelectWithUnionQuery", "SelectIntersectExceptQuery")
        and fmt in STREAMED_FORMATS
        and params.get("wait_end_of_query") != "1"
        and params.get("send_progress_in_http_headers") != "1"
    )


def fetch(connection: Any, sql: str, fmt: str, params: dict[str, str] | None) -> Fetched:
    """Start `sql` and fetch its chunks up to `HEAD_BYTES`; raise `ClickHouseError` for an error
    met so far. The caller calls `close()` once it is done with the result."""
    try:
        stream = connection.send_query(sql, fmt, params=params or None)
    except Exception as exc:
        raise _error(exc) from None
    lock = threading.Lock()
    closed = False

    def close() -> None:
        nonlocal closed
        with lock:
            if not closed:
                closed = True
                stream.close()

    fetched = Fetched(head=[], close=close)
    try:
        while fetched.size < HEAD_BYTES:
            chunk = _next(stream)
            if chunk is None:
                close()
                return fetched
            fetched.add(chunk)
            fetched.head.append(chunk)
    except BaseException:
        close()
        raise
    fetched.rest = _rest(stream, lock)
    return fetched


def _rest(stream: Any, lock: threading.Lock) -> Iterator[Any]:
    while True:
        with lock:
            chunk = _next(stream)
        if chunk is None:
            return
        yield chunk


def _next(stream: Any) -> Any:
    try:
        return stream.fetch()
    except Exception as exc:
        raise _error(exc) from None


def _error(exc: BaseException) -> ClickHouseError:
    text = str(exc)
    if text.startswith(_PREFIX):
        return engine_error(RuntimeError(text.removeprefix(_PREFIX)))
    return engine_error(exc)


def view(chunk: Any) -> bytes | memoryview:
    """A chDB result's bytes, without copying (the result must be kept alive)."""
    return chunk.get_memview().view() if chunk.size() else b""


def bytes_of(chunk: Any, fmt: str, revision: int) -> bytes | memoryview:
    """A chunk's bytes as the client reads them (Native: for its protocol revision)."""
    return native.for_revision(view(chunk), revision) if fmt == "Native" else view(chunk)


def body_of(chunks: Iterator[Any], fmt: str, revision: int) -> Iterator[bytes | memoryview]:
    """The streamed chunks' bytes, each kept alive while it is sent; an error after the headers
    ends the body with its text, then breaks the connection (see above)."""
    try:
        for chunk in chunks:
            yield bytes_of(chunk, fmt, revision)
    except ClickHouseError as error:
        yield error.body()
        raise


def columns(connection: Any, statement: Statement) -> list[tuple[str, str]]:
    """The columns of a statement's (empty) result, for the Native header block: a SELECT is
    described without running it again; other statements (SHOW...) are cheap to rerun."""
    text = re.sub(r"\s*FORMAT\s+\w+\s*;?\s*\Z", "", statement.normalized)
    if statement.kind in ("SelectWithUnionQuery", "SelectIntersectExceptQuery"):
        describe = sqlfiles.render("loupe.interface", "describe", statement=text)
        rows = _text(connection, describe).splitlines()
        return [(row.split("\t")[0], row.split("\t")[1]) for row in rows if row]
    result = _query(connection, text, "JSONCompact")
    meta = json.loads(result.bytes()).get("meta", [])
    return [(column["name"], column["type"]) for column in meta]


def _text(connection: Any, sql: str) -> str:
    return _query(connection, sql, "TSVRaw").bytes().decode().strip()


def _query(connection: Any, sql: str, fmt: str) -> Any:
    try:
        return connection.query(sql, fmt)
    except Exception as exc:
        raise engine_error(exc) from None


def content_type(fmt: str) -> str:
    """The Content-Type a server sends with `fmt`."""
    for prefix, value in CONTENT_TYPES.items():
        if fmt.startswith(prefix) or (prefix == "TabSeparated" and fmt.startswith("TSV")):
            return value
    return "application/octet-stream"
