"""ClickHouse's HTTP interface in front of the ClickHouse engine (chDB), to test the server engine.

No ClickHouse server recent enough can be installed here, and chDB opens no listener. This process
speaks the part of the HTTP interface that `clickhouse-connect` uses (the query in the URL or the
body, `param_*` query parameters, other URL parameters as settings, `database`, compressed
bodies, Basic or `X-ClickHouse-User`/`-Key` authentication, error codes in a header) and runs every
statement in the real engine. What it does not do: sessions, response compression, progress
headers, external data.
Run: `python -m tests.warehouse.clickhouse_http DATA_DIR PORT USER PASSWORD [CERT KEY]`.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import socket
import subprocess
import sys
import time
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import chdb
import lz4.frame
import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from loupe.settings import Settings, load_settings
from loupe.warehouse.embedded import ENGINE_OPTIONS

# URL parameters of the HTTP interface that are not settings (ClickHouse's HTTPHandler).
NOT_SETTINGS = {
    "query", "database", "default_format", "user", "password", "quota_key", "query_id",
    "session_id", "session_timeout", "session_check", "compress", "decompress", "buffer_size",
    "wait_end_of_query", "stacktrace", "close_session", "client_protocol_version",
}  # fmt: skip
DECOMPRESS = {
    "gzip": gzip.decompress,
    "deflate": zlib.decompress,
    "lz4": lz4.frame.decompress,
}
# An INSERT whose data follows its statement (on its first line): the data starts after
# `FORMAT <name>` and one newline.
INSERT_WITH_DATA = re.compile(rb"\A\s*(INSERT\s[^\n]*?)\s+FORMAT\s+(\w+)[ \t]*(?:\r?\n|\Z)", re.I)
OUTPUT_FORMAT = re.compile(r"\sFORMAT\s+(\w+)\s*;?\s*\Z", re.I)
ERROR_CODE = re.compile(r"Code: (\d+)\.")
USER = "loupe"  # the one user the interface accepts
HTTP_STATUS = {60: 404, 81: 404, 62: 400, 115: 400, 516: 403}  # as ClickHouse maps them


class ClickHouseError(Exception):
    """An engine error, with ClickHouse's code."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        found = ERROR_CODE.search(message)
        self.code = int(found.group(1)) if found else 1002


def make_app(data_dir: str, user: str, password: str) -> Starlette:
    """The HTTP interface over chDB at `data_dir`, accepting one user."""
    engine_path = f"{data_dir}?{ENGINE_OPTIONS}"
    # Held open for the app's life: while one connection is open, opening another is cheap
    # (0.3 ms, against 20 ms to start the engine again).
    held_open = chdb.connect(engine_path)

    def run(params: dict[str, str], body: bytes) -> tuple[bytes, str]:
        """Run one request's statement on a connection of its own (its settings are its own)."""
        if "query" in params:
            head = params["query"].encode()
            body = head + b"\n" + body if body else head
        insert = INSERT_WITH_DATA.match(body)
        connection = chdb.connect(engine_path)
        try:
            for name, value in params.items():
                if name not in NOT_SETTINGS and not name.startswith("param_"):
                    quoted = value.replace("\\", "\\\\").replace("'", "\\'")
                    connection.query(f"SET {name} = '{quoted}'")
            if params.get("database"):
                connection.query(f"USE `{params['database']}`")
            if insert:
                statement, input_format = insert.group(1).decode(), insert.group(2).decode()
                with connection.send_insert(statement, input_format) as inserter:
                    inserter.append(body[insert.end() :])
                    inserter.finish()
                return b"", input_format
            sql = body.decode()
            named = OUTPUT_FORMAT.search(sql)
            output_format = (
                named.group(1) if named else params.get("default_format", "TabSeparated")
            )
            query_params = {
                name.removeprefix("param_"): value
                for name, value in params.items()
                if name.startswith("param_")
            }
            result = connection.query(sql, output_format, params=query_params or None)
            return result.bytes(), output_format
        except Exception as exc:
            raise ClickHouseError(str(exc).strip()) from exc
        finally:
            connection.close()

    async def interface(request: Request) -> Response:
        query_id = request.query_params.get("query_id") or str(uuid.uuid4())
        given_user, given_password = credentials(request)
        if (given_user, given_password) != (user, password):
            message = f"{given_user}: Authentication failed: password is incorrect."
            error = ClickHouseError(f"Code: 516. DB::Exception: {message} (AUTHENTICATION_FAILED)")
            return failure(error, query_id)
        body = await request.body()
        encoding = request.headers.get("Content-Encoding")
        if encoding:
            if encoding not in DECOMPRESS:
                return failure(ClickHouseError(f"Code: 1. Unknown encoding {encoding}"), query_id)
            body = DECOMPRESS[encoding](body)
        try:
            output, output_format = await run_in_threadpool(run, dict(request.query_params), body)
        except ClickHouseError as error:
            return failure(error, query_id)
        # Chunked, as a server answers (older clickhouse-connect releases require it).
        return StreamingResponse(iter([output]), headers={
            "X-ClickHouse-Format": output_format,
            "X-ClickHouse-Timezone": "UTC",
            "X-ClickHouse-Query-Id": query_id,
            "X-ClickHouse-Summary": json.dumps({"read_rows": "0", "written_rows": "0"}),
        })  # fmt: skip

    async def ping(request: Request) -> Response:
        return PlainTextResponse("Ok.\n")

    app = Starlette(routes=[
        Route("/", interface, methods=["GET", "POST"]),
        Route("/ping", ping, methods=["GET"]),
    ])  # fmt: skip
    app.state.held_open = held_open
    return app


def credentials(request: Request) -> tuple[str, str]:
    """The user and password a request gives: Basic authentication, headers or URL."""
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme == "Basic":
        given_user, _, given_password = base64.b64decode(encoded).decode().partition(":")
        return given_user, given_password
    given_user = request.headers.get("X-ClickHouse-User", request.query_params.get("user"))
    given_password = request.headers.get("X-ClickHouse-Key", request.query_params.get("password"))
    return given_user or "default", given_password or ""


def failure(error: ClickHouseError, query_id: str) -> Response:
    return PlainTextResponse(
        f"{error}\n",
        status_code=HTTP_STATUS.get(error.code, 500),
        headers={"X-ClickHouse-Exception-Code": str(error.code), "X-ClickHouse-Query-Id": query_id},
    )


@contextmanager
def clickhouse_server(
    data_dir: Path,
    password: str,
    tls: tuple[Path, Path] | None = None,
    port: int | None = None,
) -> Iterator[int]:
    """Run the interface for user `USER` in a process of its own (chDB: one data directory per
    process) on `port` or a free one, over HTTPS with `tls` (certificate and key files); yield the
    port once it listens."""
    from tests.conftest import free_port

    port = port or free_port()
    command = [sys.executable, "-m", "tests.warehouse.clickhouse_http", str(data_dir), str(port)]
    command += [USER, password, *map(str, tls or ())]
    process = subprocess.Popen(command, cwd=Path(__file__).parents[2])
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the ClickHouse HTTP interface did not start") from None
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(10)


def settings_for(port: int, password: str, **overrides: object) -> Settings:
    """Loupe's settings for its server engine on the interface at `port`."""
    return load_settings(
        engine="server",
        clickhouse_host="127.0.0.1",
        clickhouse_port=port,
        clickhouse_user=USER,
        clickhouse_password=password,
        **overrides,
    )


def environment_for(port: int, password: str) -> dict[str, str]:
    """The same as `LOUPE_*` environment variables, for the CLI and other processes."""
    return {
        "LOUPE_ENGINE": "server",
        "LOUPE_CLICKHOUSE_HOST": "127.0.0.1",
        "LOUPE_CLICKHOUSE_PORT": str(port),
        "LOUPE_CLICKHOUSE_USER": USER,
        "LOUPE_CLICKHOUSE_PASSWORD": password,
    }


if __name__ == "__main__":
    data_dir, port, user, password, *tls_files = sys.argv[1:]
    app = make_app(data_dir, user, password)
    certificate, key = tls_files or (None, None)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(port),
        log_level="warning",
        ssl_certfile=certificate,
        ssl_keyfile=key,
    )
