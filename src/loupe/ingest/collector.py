"""The collector: an ASGI service taking API-call records over HTTP (`loupe collect`).

`POST /v1/api-calls` takes a JSON array or NDJSON (optionally gzip), authenticated with a bearer
token, and answers only once its records are durable: inserted, or spooled and fsynced. Errors
are JSON bodies: 401 (token), 413 (too large), 415 (media type or encoding), 422 (not a JSON
array nor NDJSON), 429 (writer full: retry later), 503 (not durable). `GET /healthz` (503 while
records can be neither inserted nor spooled), `GET /metrics` (Prometheus) and
`GET /openapi.json` complete it.
"""

from __future__ import annotations

import asyncio
import hmac
import zlib
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

import orjson
import yaml
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from loupe.errors import (
    ConfigError,
    LoupeError,
    NotDurableError,
    WriterClosedError,
    WriterFullError,
)
from loupe.ingest.writer import BatchWriter, open_writer
from loupe.settings import Settings
from loupe.warehouse import Warehouse

JSON_TYPES = ("application/json",)
NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl", "text/plain")


class _HTTPProblem(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def _problem(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "status": status}, status_code=status, headers=headers)


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _HTTPProblem(413, f"body of {declared} bytes is over the limit of {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _HTTPProblem(413, f"body is over the limit of {limit} bytes")
        chunks.append(chunk)
    body = b"".join(chunks)
    encoding = request.headers.get("content-encoding", "identity").lower()
    if encoding == "gzip":
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            body = inflater.decompress(body, limit + 1)
        except zlib.error:
            raise _HTTPProblem(422, "body is not valid gzip") from None
        if len(body) > limit or inflater.unconsumed_tail:
            raise _HTTPProblem(413, f"decompressed body is over the limit of {limit} bytes")
    elif encoding != "identity":
        raise _HTTPProblem(415, f"unsupported content-encoding {encoding!r}: use gzip or none")
    return body


def _submit(writer: BatchWriter, media_type: str, body: bytes) -> Any:
    """Split the body into records and hand them to the writer (runs in a worker thread)."""
    if media_type in NDJSON_TYPES:
        return writer.add_lines(body.split(b"\n"))
    try:
        decoded = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise _HTTPProblem(422, "body is not valid JSON (send a JSON array, or NDJSON)") from None
    if isinstance(decoded, dict):
        decoded = [decoded]
    if not isinstance(decoded, list):
        raise _HTTPProblem(422, "body must be a JSON array of records (or NDJSON)")
    return writer.add_many(decoded)


def create_collector_app(
    writer: BatchWriter, token: str, max_body_bytes: int, close_writer: bool = False
) -> Starlette:
    """The collector's ASGI app around an open BatchWriter (closed on shutdown if asked)."""
    expected = token.encode()

    async def post_api_calls(request: Request) -> Response:
        # The scheme is case-insensitive (RFC 7235); the token is compared in constant time.
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if (
            not token
            or scheme.lower() != "bearer"
            or not hmac.compare_digest(given.strip().encode(), expected)
        ):
            return _problem(401, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"})
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type not in JSON_TYPES + NDJSON_TYPES:
            return _problem(
                415, "send application/json (an array) or application/x-ndjson (one per line)"
            )
        try:
            body = await _read_body(request, max_body_bytes)
            future = await run_in_threadpool(_submit, writer, media_type, body)
            receipt = await asyncio.wrap_future(future)
        except _HTTPProblem as problem:
            return _problem(problem.status, problem.message, problem.headers)
        except WriterFullError as exc:
            return _problem(429, str(exc), {"Retry-After": "1"})
        except WriterClosedError as exc:
            return _problem(503, str(exc), {"Retry-After": "5"})
        except (NotDurableError, OSError) as exc:
            return _problem(503, f"records could not be made durable: {exc}", {"Retry-After": "5"})
        return JSONResponse(
            {"accepted": receipt.accepted, "rejected": receipt.rejected, "spooled": receipt.spooled}
        )

    async def healthz(request: Request) -> Response:
        # 503 while records can be neither inserted nor spooled, so a load balancer or a probe
        # sees that posts are refused; `spooling` stays 200 (records are durable in the spool).
        health = writer.health
        spooled = len(writer.spool) if writer.spool else 0
        return JSONResponse(
            {
                "status": health.status,
                "last_error": health.last_error,
                "pending": writer.pending,
                "spool_batches": spooled,
            },
            status_code=200 if health.durable else 503,
        )

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    async def openapi(request: Request) -> Response:
        return JSONResponse(openapi_document())

    @asynccontextmanager
    async def lifespan(app: Starlette):  # type: ignore[no-untyped-def]
        yield
        if close_writer:
            await run_in_threadpool(writer.close)

    return Starlette(
        routes=[
            Route("/v1/api-calls", post_api_calls, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
            Route("/openapi.json", openapi, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


def openapi_document() -> dict:
    """The collector's OpenAPI description (kept in `collector-openapi.yaml` beside this file)."""
    text = (resources.files("loupe.ingest") / "collector-openapi.yaml").read_text()
    return yaml.safe_load(text)


def collector_writer(settings: Settings, warehouse: Warehouse) -> BatchWriter:
    """The collector's BatchWriter: answers 429 rather than blocking when memory is full."""
    writer = open_writer(settings, warehouse, source="collector")
    writer.when_full = "raise"
    return writer


def run_collector(settings: Settings, warehouse: Warehouse) -> None:
    """Serve the collector with uvicorn until SIGTERM/SIGINT, then flush and stop."""
    import uvicorn

    if not settings.collector_token.get_secret_value():
        raise ConfigError("set LOUPE_COLLECTOR_TOKEN: the collector refuses requests without it")
    require_schema(warehouse)
    writer = collector_writer(settings, warehouse)
    app = create_collector_app(
        writer,
        settings.collector_token.get_secret_value(),
        settings.collector_max_body_bytes,
        close_writer=True,
    )
    uvicorn.run(
        app,
        host=settings.collector_host,
        port=settings.collector_port,
        log_level="info",
        access_log=False,
    )


def require_schema(warehouse: Warehouse) -> None:
    """Fail clearly when `loupe init` has not created `pd.api_calls` yet."""
    exists = warehouse.scalar(
        "SELECT count() FROM system.tables WHERE database = 'pd' AND name = 'api_calls'"
    )
    if not exists:
        raise LoupeError("the warehouse has no pd.api_calls table: run `loupe init` first")
