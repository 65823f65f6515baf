"""ASGI and WSGI middleware that record a Python shop backend's API calls.

Each call under `path_prefix` becomes an API-call record (method, path, query parameters and JSON
body as `request`, JSON response body as `response`, status, duration, session id from a cookie
or header, user id from a hook, user agent, client IP, referer) handed to a recorder's `offer`: a
BatchWriter into the warehouse, or a BatchWriter over a `CollectorSink`. `offer` never blocks and
never raises, so the host app is slowed by one bounded enqueue at most and keeps working when the
warehouse is down (records are spooled, or counted as dropped when memory is full).
"""

from __future__ import annotations

import io
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any, Protocol
from urllib.parse import parse_qs

import orjson

log = logging.getLogger("loupe.ingest")


class Recorder(Protocol):
    """What the middleware hands records to (a BatchWriter)."""

    def offer(self, record: dict) -> bool: ...


@dataclass(frozen=True)
class CaptureOptions:
    """How to recognise the calls to record and where their session and user come from."""

    path_prefix: str = "/api/"
    session_cookie: str = "session_id"
    session_header: str | None = None
    max_body_bytes: int = 262_144


def _query_params(query_string: str) -> dict[str, Any]:
    parsed = parse_qs(query_string, keep_blank_values=True)
    return {key: values[0] if len(values) == 1 else values for key, values in parsed.items()}


def _json_object(body: bytes, content_type: str, limit: int) -> dict:
    if not body or "json" not in content_type or len(body) > limit:
        return {}
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _session_id(options: CaptureOptions, headers: dict[str, str]) -> str:
    if options.session_header:
        value = headers.get(options.session_header.lower())
        if value:
            return value
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except Exception:
        return ""
    morsel = cookie.get(options.session_cookie)
    return morsel.value if morsel else ""


def build_record(
    options: CaptureOptions,
    *,
    method: str,
    path: str,
    query_string: str,
    headers: dict[str, str],
    request_body: bytes,
    status: int,
    response_body: bytes,
    response_content_type: str,
    user_id: int | None,
    client_ip: str,
    started_ms: int,
    duration_ms: int,
) -> dict:
    """One API-call record from what the middleware saw (headers with lower-case names)."""
    request = _query_params(query_string)
    request.update(
        _json_object(request_body, headers.get("content-type", ""), options.max_body_bytes)
    )
    forwarded = headers.get("x-forwarded-for", "").split(",")[0].strip()
    return {
        "event_id": str(uuid.uuid4()),
        "ts": started_ms,
        "session_id": _session_id(options, headers),
        "user_id": user_id,
        "method": method,
        "endpoint": path,
        "status": status,
        "duration_ms": duration_ms,
        "request": request,
        "response": _json_object(response_body, response_content_type, options.max_body_bytes),
        "user_agent": headers.get("user-agent", ""),
        "ip": forwarded or client_ip,
        "referer": headers.get("referer", ""),
    }


def _offer(recorder: Recorder, record: dict) -> None:
    try:
        recorder.offer(record)
    except Exception:
        # Recording must never break the shop: log and carry on.
        log.exception("could not record an API call")


class ApiCallASGIMiddleware:
    """ASGI middleware (Starlette, FastAPI...). `user_id(scope)` reads the user after the call."""

    def __init__(
        self,
        app: Any,
        recorder: Recorder,
        options: CaptureOptions | None = None,
        user_id: Callable[[dict], int | None] | None = None,
    ) -> None:
        self.app, self.recorder = app, recorder
        self.options = options or CaptureOptions()
        self.user_id = user_id or (lambda scope: scope.get("state", {}).get("user_id"))

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.options.path_prefix):
            await self.app(scope, receive, send)
            return
        started = time.time()
        request_chunks: list[bytes] = []
        response_chunks: list[bytes] = []
        response_meta: dict[str, Any] = {"status": 500, "content_type": ""}

        async def tee_receive() -> dict:
            message = await receive()
            if message["type"] == "http.request":
                request_chunks.append(message.get("body", b""))
            return message

        async def tee_send(message: dict) -> None:
            if message["type"] == "http.response.start":
                response_meta["status"] = message["status"]
                for name, value in message.get("headers", []):
                    if name.lower() == b"content-type":
                        response_meta["content_type"] = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                response_chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, tee_receive, tee_send)
        finally:
            headers = {
                k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]
            }
            record = build_record(
                self.options,
                method=scope["method"],
                path=scope["path"],
                query_string=scope.get("query_string", b"").decode("latin-1"),
                headers=headers,
                request_body=b"".join(request_chunks),
                status=response_meta["status"],
                response_body=b"".join(response_chunks),
                response_content_type=response_meta["content_type"],
                user_id=_safe_user_id(self.user_id, scope),
                client_ip=(scope.get("client") or ("", 0))[0],
                started_ms=int(started * 1000),
                duration_ms=int((time.time() - started) * 1000),
            )
            _offer(self.recorder, record)


class ApiCallWSGIMiddleware:
    """WSGI middleware (Flask, Django...). `user_id(environ)` reads the user after the call."""

    def __init__(
        self,
        app: Callable,
        recorder: Recorder,
        options: CaptureOptions | None = None,
        user_id: Callable[[dict], int | None] | None = None,
    ) -> None:
        self.app, self.recorder = app, recorder
        self.options = options or CaptureOptions()
        self.user_id = user_id or (lambda environ: environ.get("loupe.user_id"))

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(self.options.path_prefix):
            return self.app(environ, start_response)
        started = time.time()
        length = int(environ.get("CONTENT_LENGTH") or 0)
        request_body = environ["wsgi.input"].read(length) if length > 0 else b""
        environ["wsgi.input"] = io.BytesIO(request_body)
        response_meta: dict[str, Any] = {"status": 500, "content_type": ""}

        def capture_start_response(status: str, headers: list, exc_info: Any = None) -> Any:
            response_meta["status"] = int(status.split(" ", 1)[0])
            for name, value in headers:
                if name.lower() == "content-type":
                    response_meta["content_type"] = value
            return start_response(status, headers, exc_info)

        def finish(response_body: bytes) -> None:
            headers = {
                key[5:].replace("_", "-").lower(): value
                for key, value in environ.items()
                if key.startswith("HTTP_")
            }
            headers["content-type"] = environ.get("CONTENT_TYPE", "")
            record = build_record(
                self.options,
                method=environ.get("REQUEST_METHOD", "GET"),
                path=path,
                query_string=environ.get("QUERY_STRING", ""),
                headers=headers,
                request_body=request_body,
                status=response_meta["status"],
                response_body=response_body,
                response_content_type=response_meta["content_type"],
                user_id=_safe_user_id(self.user_id, environ),
                client_ip=environ.get("REMOTE_ADDR", ""),
                started_ms=int(started * 1000),
                duration_ms=int((time.time() - started) * 1000),
            )
            _offer(self.recorder, record)

        return _ClosingIterable(self.app(environ, capture_start_response), finish)


class _ClosingIterable:
    """Passes the response through and records the call when the server closes it."""

    def __init__(self, inner: Iterable[bytes], on_close: Callable[[bytes], None]) -> None:
        self.inner, self.on_close, self.chunks = inner, on_close, []

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.inner:
            self.chunks.append(chunk)
            yield chunk

    def close(self) -> None:
        try:
            close_inner = getattr(self.inner, "close", None)
            if close_inner:
                close_inner()
        finally:
            self.on_close(b"".join(self.chunks))


def _safe_user_id(hook: Callable[[dict], int | None], context: dict) -> int | None:
    try:
        value = hook(context)
        return int(value) if value not in (None, "", 0) else None
    except Exception:
        log.exception("the user_id hook failed")
        return None
