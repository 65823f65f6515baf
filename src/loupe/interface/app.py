"""The ASGI app speaking ClickHouse's HTTP interface over the process's open embedded warehouse.

`GET /` and `GET /ping` answer `Ok.`; a query comes by GET (`query=`, read-only as on a server) or
POST (the query in the URL, the body, or the URL followed by the body; an INSERT's data after its
`FORMAT`). The statement runs in a worker thread on its own connection or its session's
(sessions.py), after authentication (users.py), parsing (statement.py) and, for a reader, the
guard (guard.py). Results come back in the format the statement, `default_format` or the
`X-ClickHouse-Format` header names, with the headers a server sends: in ClickHouse's block
framing for `compress=1` (framing.py), in Native as a server writes it for the client's
`client_protocol_version` (native.py), with `X-ClickHouse-Progress` headers when asked. A running
query can be cancelled by its client closing the connection or by `KILL QUERY` (running.py).
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any, BinaryIO

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from loupe import sqlfiles
from loupe.interface import context, framing, native, results
from loupe.interface.guard import ReaderGuard, check_setting_names, denied
from loupe.interface.protocol import (
    ClickHouseError,
    decode_body,
    encode_stream,
    engine_error,
    native_header,
    response_encoding,
    split,
    spool,
    summary,
)
from loupe.interface.running import Running, RunningQueries, progress_headers, progress_of
from loupe.interface.sessions import Lease, Sessions
from loupe.interface.statement import (
    Parsed,
    Statement,
    data_file,
    infile_statement,
    split_insert,
    spooled_insert,
)
from loupe.interface.users import User, Users, credentials


@dataclass(frozen=True)
class Call:
    """One request, as the worker thread needs it."""

    user: User
    method: str
    params: dict[str, str]
    header_format: str | None
    header_database: str | None
    body: bytes
    spooled: BinaryIO | None = None  # an INSERT's data, when written to a file as it arrived


@dataclass
class Outcome:
    """What a statement produced: the body (kept alive with its chDB result) and headers; for
    a streamed result, the body's first parts, the rest as the engine produces it, and what
    ends the query (its connection is held until then)."""

    data: Any
    headers: dict[str, str]
    keep: Any = None
    progress: list[str] | None = None
    rest: Iterable[bytes | memoryview] | None = None
    close: Callable[[], None] | None = None

    def parts(self) -> Iterator[bytes | memoryview]:
        """The body in parts of at most 1 MiB."""
        head = self.data if isinstance(self.data, list) else [self.data]
        parts = itertools.chain(head, self.rest or ())  # the rest fetched as it is sent
        return itertools.chain.from_iterable(split(part) for part in parts)


class Interface:
    """Runs calls against the warehouse at `sessions.data_dir`."""

    def __init__(self, sessions: Sessions, guard: ReaderGuard, running: RunningQueries) -> None:
        self.sessions = sessions
        self.guard = guard
        self.running = running
        self.parsed = Parsed()

    def execute(self, call: Call, query_id: str) -> Outcome:
        """Run one request's statement; raise `ClickHouseError` as a server would report it."""
        params = call.params
        # Holds the connection (and the query's registration) until the response is sent, for
        # a streamed result; until the statement has run, otherwise.
        with ExitStack() as stack:
            lease = stack.enter_context(
                self.sessions.connection(
                    call.user,
                    params.get("session_id"),
                    params.get("session_timeout"),
                    params.get("session_check") == "1",
                )
            )
            try:
                outcome = self._execute(lease, call, query_id, stack)
            except ClickHouseError as error:
                if error.message.startswith("default: "):
                    error.message = f"{call.user.name}: " + error.message.removeprefix("default: ")
                raise
            if outcome.rest is not None:
                outcome.close = stack.pop_all().close
            return outcome

    def _execute(self, lease: Lease, call: Call, query_id: str, stack: ExitStack) -> Outcome:
        connection, known = lease.connection, lease.known
        params = call.params
        reader = call.user.reader
        database = params.get("database") or call.header_database
        if database:
            if reader is not None and database not in reader.databases:
                raise denied(f"{reader.name}: Not enough privileges on the database {database}")
            context.use(connection, known, database)
        settings = context.settings_of(params)
        if reader is not None:
            check_setting_names(reader.name, settings)
        context.apply_settings(connection, known, settings)
        revision = _revision(params.get("client_protocol_version"))
        insert = split_insert(params.get("query"), call.body) if call.method == "POST" else None
        if insert is not None:
            sql = insert.head
        elif call.method == "POST":
            parts = [params.get("query", ""), call.body.decode(errors="replace")]
            sql = "\n".join(part for part in parts if part)
        else:
            sql = params.get("query", "")
        if not sql.strip():
            raise ClickHouseError(62, "Empty query", "SYNTAX_ERROR")
        query_params = {
            name.removeprefix("param_"): value
            for name, value in params.items()
            if name.startswith("param_")
        }
        in_force = (call.user.name, known.database, tuple(sorted(known.settings.items())),
                    known.changed_by_client)  # fmt: skip
        statement = self.parsed.analyze(connection, sql, query_params, in_force)
        if call.method == "GET" and not statement.reads_only:
            raise ClickHouseError(
                164,
                f"{call.user.name}: Cannot execute query in readonly mode. For queries over HTTP, "
                "method GET implies readonly. You should use method POST for modifying queries",
                "READONLY",
            )
        current, timezone = context.session_context(connection, known)
        headers = {"X-ClickHouse-Query-Id": query_id, "X-ClickHouse-Timezone": timezone}
        fmt = statement.output_format or params.get("default_format") or call.header_format
        fmt = fmt or "TabSeparated"
        killed = statement.killed_id()
        if killed is not None:
            return self._kill(connection, call.user, killed, fmt, headers)
        if reader is not None:
            self.guard.check(reader, statement, current)
        known.after(statement.kind)
        started = time.monotonic()
        running = stack.enter_context(self.running.run(query_id, call.user.name))
        running.reads_only = statement.reads_only
        if results.streamed(fmt, params, statement.kind):
            return self._streamed(connection, statement, fmt, query_params, revision, headers,
                                  running, stack, started)  # fmt: skip
        progress = params.get("send_progress_in_http_headers") == "1"
        with progress_of(connection, running, progress):
            if insert is not None:
                with data_file(insert.data, call.spooled) as path:
                    sql = running.marked(infile_statement(statement.normalized, path))
                    result = _query(connection, sql, "Null")
            else:
                result = _query(connection, running.marked(statement.text), fmt, query_params)
        shown = _progress(running, params) if progress else None
        if insert is not None:
            headers["X-ClickHouse-Summary"] = _summary(result, started, written=True)
            return Outcome(b"", headers, progress=shown)
        headers["X-ClickHouse-Summary"] = _summary(result, started, written=False)
        data: Any = result.get_memview().view() if result.size() else b""
        if statement.has_result:
            headers["X-ClickHouse-Format"] = fmt
            headers["Content-Type"] = results.content_type(fmt)
            if fmt == "Native" and not result.size():
                data = native_header(results.columns(connection, statement))
            if fmt == "Native":
                data = native.for_revision(data, revision)
        return Outcome(data, headers, keep=result, progress=shown)

    def _streamed(
        self, connection: Any, statement: Statement, fmt: str, query_params: dict[str, str],
        revision: int, headers: dict[str, str], running: Running, stack: ExitStack,
        started: float,
    ) -> Outcome:  # fmt: skip
        """A SELECT whose result is streamed (results.py): sent whole when it is small."""
        fetched = results.fetch(connection, running.marked(statement.text), fmt, query_params)
        stack.callback(fetched.close)
        headers["X-ClickHouse-Summary"] = summary(
            read_rows=fetched.rows_read, read_bytes=fetched.bytes_read, written_rows=0,
            written_bytes=0, result_rows=fetched.rows_read, result_bytes=fetched.size,
            elapsed=time.monotonic() - started,
        )  # fmt: skip
        headers["X-ClickHouse-Format"] = fmt
        headers["Content-Type"] = results.content_type(fmt)
        if not fetched.head and fmt == "Native":
            header = native_header(results.columns(connection, statement))
            return Outcome(native.for_revision(header, revision), headers)
        data = [results.bytes_of(chunk, fmt, revision) for chunk in fetched.head]
        rest = fetched.rest and results.body_of(fetched.rest, fmt, revision)
        return Outcome(data, headers, keep=fetched.head, rest=rest)

    def _kill(
        self, connection: Any, user: User, killed: tuple[str, str], fmt: str,
        headers: dict[str, str],
    ) -> Outcome:  # fmt: skip
        """`KILL QUERY WHERE query_id = '...'` for a query of the interface: a reader may cancel
        its own queries only, as on a server (its KILL of another's query finds nothing)."""
        query_id, mode = killed
        running = self.running.find(query_id)
        if running is not None and user.reader is not None and running.user != user.name:
            running = None
        if running is not None and mode != "TEST":
            self.running.kill(running)
        values = {
            "status": "finished" if mode == "SYNC" else "waiting",
            "query_id": query_id,
            "user": running.user if running else "",
            "query": running.text if running else "",
            "found": str(int(running is not None)),
        }
        result = _query(connection, sqlfiles.load("loupe.interface", "kill_result"), fmt, values)
        data: Any = result.get_memview().view() if result.size() else b""
        if fmt == "Native" and not result.size():
            data = native_header([(name, "String") for name in KILL_COLUMNS])
        headers.update({"X-ClickHouse-Format": fmt, "Content-Type": results.content_type(fmt)})
        return Outcome(data, headers, keep=result)


KILL_COLUMNS = ("kill_status", "query_id", "user", "query")


def _revision(value: str | None) -> int:
    """The client's protocol revision (0: none given, or not a number)."""
    return int(value) if value and value.isdigit() else 0


def _progress(running: Running, params: dict[str, str]) -> list[str]:
    interval = params.get("http_headers_progress_interval_ms", "100")
    return progress_headers(running, float(interval) if interval.isdigit() else 100.0)


def _query(connection: Any, sql: str, fmt: str, params: dict[str, str] | None = None) -> Any:
    try:
        return connection.query(sql, fmt, params=params or None)
    except Exception as exc:
        raise engine_error(exc) from None


def _summary(result: Any, started: float, written: bool) -> str:
    size = result.size() if not written else 0
    return summary(
        read_rows=result.rows_read(),
        read_bytes=result.bytes_read(),
        written_rows=(result.rows_written() or result.rows_read()) if written else 0,
        written_bytes=(result.bytes_written() or result.bytes_read()) if written else 0,
        result_rows=0 if written else result.rows_read(),
        result_bytes=size,
        elapsed=time.monotonic() - started,
    )


def create_interface_app(users: Users, interface: Interface) -> Starlette:
    """The Starlette app of the HTTP interface."""

    async def root(request: Request) -> Response:
        if request.method == "GET" and "query" not in request.query_params:
            return PlainTextResponse("Ok.\n")
        return await handle(request)

    async def ping(request: Request) -> Response:
        return PlainTextResponse("Ok.\n")

    async def replicas_status(request: Request) -> Response:
        # A server answers `Ok.` when no replicated table lags; the embedded warehouse has none.
        return PlainTextResponse("Ok.\n")

    async def handle(request: Request) -> Response:
        params = dict(request.query_params)
        query_id = params.get("query_id") or str(uuid.uuid4())
        spooled = None
        try:
            user = users.authenticate(*credentials(request))
            if request.headers.get("content-type", "").startswith("multipart/form-data"):
                raise ClickHouseError(48, "external data is not supported", "NOT_IMPLEMENTED")
            encoded = request.headers.get("content-encoding", "identity").lower() != "identity"
            if spooled_insert(request.method, params) and not encoded:
                body, spooled = b"", await spool(request.stream())
            else:
                body = decode_body(await request.body(), request.headers.get("content-encoding"))
            if params.get("decompress") == "1":
                checking = params.get("http_native_compression_disable_checksumming_on_decompress")
                body = framing.decompress_body(body, verify=checking != "1")
            method = framing.method_of(params.get("network_compression_method"))
            call = Call(
                user=user,
                method=request.method,
                params=params,
                header_format=request.headers.get("x-clickhouse-format"),
                header_database=request.headers.get("x-clickhouse-database"),
                body=body,
                spooled=spooled,
            )
            outcome = await _watched(request, interface, call, query_id)
        except ClickHouseError as error:
            return PlainTextResponse(
                error.body(),
                status_code=error.status,
                headers={
                    "X-ClickHouse-Exception-Code": str(error.code),
                    "X-ClickHouse-Query-Id": query_id,
                },
            )
        finally:
            if spooled is not None:
                spooled.close()
        encoding = response_encoding(
            request.headers.get("accept-encoding"), params.get("enable_http_compression") == "1"
        )
        headers = dict(outcome.headers)
        if encoding:
            headers["Content-Encoding"] = encoding
        framed = params.get("compress") == "1"

        def chunks() -> Iterator[bytes | memoryview]:
            # `outcome` holds chDB's result while its memory (`get_memview`) is streamed.
            try:
                parts = outcome.parts()
                if framed:
                    parts = framing.compress_stream(parts, method)
                yield from encode_stream(parts, encoding)
            finally:
                if outcome.close is not None:
                    outcome.close()

        # The background task ends a streamed query whose client went away mid-body.
        closing = BackgroundTask(outcome.close) if outcome.close is not None else None
        response = StreamingResponse(chunks(), headers=headers, background=closing)
        for value in outcome.progress or ():
            response.raw_headers.append((b"x-clickhouse-progress", value.encode()))
        return response

    return Starlette(
        routes=[
            Route("/", root, methods=["GET", "POST"]),
            Route("/ping", ping, methods=["GET", "HEAD"]),
            Route("/replicas_status", replicas_status, methods=["GET", "HEAD"]),
        ]
    )


async def _watched(request: Request, interface: Interface, call: Call, query_id: str) -> Outcome:
    """Run the call in a worker thread; with `cancel_http_readonly_queries_on_client_close=1`,
    cancel its query if the client closes the connection first, as a server does."""
    task = asyncio.ensure_future(run_in_threadpool(interface.execute, call, query_id))
    if call.params.get("cancel_http_readonly_queries_on_client_close") == "1":
        cancelled = False
        while not cancelled:
            done, _ = await asyncio.wait({task}, timeout=CLOSE_CHECK_SECONDS)
            if done:
                break
            if await request.is_disconnected():
                running = interface.running
                cancelled = await run_in_threadpool(running.cancel_on_close, query_id)
    return await task


CLOSE_CHECK_SECONDS = 0.1
