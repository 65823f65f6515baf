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

import yaml
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from loupe import sqlfiles
from loupe.errors import (
    ConfigError,
    LoupeError,
    NotDurableError,
    WriterClosedError,
    WriterFullError,
)
from loupe.ingest.bodies import BodyError, decode_body
from loupe.ingest.records import Privacy, Rejection, now_ms
from loupe.ingest.writer import BatchWriter, Receipt, TooManyRecordsError, open_writer
from loupe.settings import Settings
from loupe.warehouse import Warehouse

JSON_TYPES = ("application/json",)
NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl", "text/plain")
# A body's decoded records may take twice its limit: with the body itself, a request holds at
# most 3 x collector_max_body_bytes (docs/ingestion.md states the bound).
DECODED_BUDGET_FACTOR = 2
# On SIGTERM, requests in flight get this long to finish before they are cancelled.
SHUTDOWN_GRACE_S = 10


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


def _decode(
    body: bytes, media_type: str, max_record_bytes: int, budget: int, privacy: Privacy
) -> tuple[list[tuple | Rejection], int]:
    """Split, validate and scrub the body's records (runs in a worker thread)."""
    received_at = now_ms()
    ndjson = media_type in NDJSON_TYPES
    items = decode_body(body, ndjson, received_at, max_record_bytes, budget, privacy)
    return items, received_at


async def _durable(
    request: Request, writer: BatchWriter, media_type: str, limit: int, last_slot: bool
) -> Receipt:
    """Read, decode and queue the body's records; return once they are durable.

    The body is dropped once decoded, so a request holds at most its body and its records.
    """
    body = await _read_body(request, limit)
    items, received_at = await run_in_threadpool(
        _decode,
        body,
        media_type,
        writer.max_record_bytes,
        DECODED_BUDGET_FACTOR * limit,
        writer.privacy,
    )
    del body
    future = writer.add_decoded(items, received_at)
    del items
    if last_slot:  # every slot waits on the writer: write now rather than after the delay
        writer.request_flush()
    return await asyncio.wrap_future(future)


def create_collector_app(
    writer: BatchWriter,
    token: str,
    max_body_bytes: int,
    close_writer: bool = False,
    max_concurrent_requests: int = 4,
) -> Starlette:
    """The collector's ASGI app around an open BatchWriter (closed on shutdown if asked).

    At most `max_concurrent_requests` posts are read, decoded and waited on at once; one more is
    answered 429 at once, before its body is read: memory stays bounded by that number.
    """
    expected = token.encode()
    busy = 0  # posts holding a slot (the event loop is single-threaded: a plain counter)

    async def post_api_calls(request: Request) -> Response:
        nonlocal busy
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
        if busy >= max_concurrent_requests:
            return _problem(
                429,
                f"the collector is already taking {busy} requests "
                f"(collector_max_concurrent_requests): retry later",
                {"Retry-After": "1"},
            )
        busy += 1
        try:
            receipt = await _durable(
                request, writer, media_type, max_body_bytes, busy >= max_concurrent_requests
            )
        except ClientDisconnect:
            return Response(status_code=400)  # nobody is listening any more
        except (_HTTPProblem, BodyError) as problem:
            return _problem(problem.status, problem.message, getattr(problem, "headers", None))
        except TooManyRecordsError as exc:
            return _problem(413, str(exc))
        except WriterFullError as exc:
            return _problem(429, str(exc), {"Retry-After": "1"})
        except WriterClosedError as exc:
            return _problem(503, str(exc), {"Retry-After": "5"})
        except (NotDurableError, OSError) as exc:
            return _problem(503, f"records could not be made durable: {exc}", {"Retry-After": "5"})
        finally:
            busy -= 1
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
    # Inserts of at most half a body: writing a batch copies it a few times over.
    writer.max_insert_bytes = settings.collector_max_body_bytes // 2
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
        max_concurrent_requests=settings.collector_max_concurrent_requests,
    )
    uvicorn.run(
        app,
        host=settings.collector_host,
        port=settings.collector_port,
        log_level="info",
        access_log=False,
        timeout_graceful_shutdown=SHUTDOWN_GRACE_S,
    )


def require_schema(warehouse: Warehouse) -> None:
    """Fail clearly when `loupe init` has not created `pd.api_calls` yet."""
    exists = warehouse.scalar(sqlfiles.load("loupe", "table_exists"), {"d": "pd", "n": "api_calls"})
    if not exists:
        raise LoupeError("the warehouse has no pd.api_calls table: run `loupe init` first")
