"""ASGI and WSGI middleware that record a Python shop backend's API calls.

Each call under `path_prefix` becomes an API-call record (method, path, query parameters and JSON
body as `request`, JSON response body as `response`, status, duration, session id from a cookie
or header, user id from a hook, user agent, client IP, referer, and the page's own referrer
from `X-Page-Referrer`, and the client hints `Sec-CH-UA-Mobile`, `-Platform` and `-Model` when
the browser sent them) handed to a recorder's `offer`: a BatchWriter into the warehouse, or a
BatchWriter over a `CollectorSink`. `offer` never blocks and never raises, so the host app is
slowed by one bounded enqueue at most and keeps working when the warehouse is down (records are
spooled, or counted as dropped when memory is full).

The client IP is the socket's peer. `X-Forwarded-For` is believed only when that peer is one of
`trusted_proxies`, and then only as far as the proxies are trusted: any client can send the header,
so its left-most entries are whatever the client wrote.

Personal data is scrubbed from each record before it is offered (`CaptureOptions.scrubber`: the
default rules; `CaptureOptions.from_settings` adds the `scrub_rules` and the hash key, so hashes
join with the collector's). The client IP is left whole here and treated where the record is
received (a writer from `open_writer`, the collector), so the key of its hash is not needed in
the shop's process.
"""

from __future__ import annotations

import io
import ipaddress
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qs

import orjson

from loupe.ingest.scrub import Scrubber

if TYPE_CHECKING:
    from loupe.settings import Settings

log = logging.getLogger("loupe.ingest")

# The client hints recorded, by their `client_hints` key: the `Sec-CH-UA-<name>` headers.
CLIENT_HINTS = ("mobile", "platform", "model")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class Recorder(Protocol):
    """What the middleware hands records to (a BatchWriter)."""

    def offer(self, record: dict) -> bool: ...


@dataclass(frozen=True)
class CaptureOptions:
    """How to recognise the calls to record and where their session, user and client IP come from.

    `trusted_proxies`: addresses or CIDR networks of the reverse proxies in front of the shop
    whose `X-Forwarded-For` is believed; none by default, so the IP is the socket's peer.
    `scrubber`: what is scrubbed before a record is offered; the default rules without a key (a
    hash rule masks), unless given one.
    """

    path_prefix: str = "/api/"
    session_cookie: str = "session_id"
    session_header: str | None = None
    max_body_bytes: int = 262_144
    trusted_proxies: tuple[str, ...] = ()
    scrubber: Scrubber | None = field(default_factory=Scrubber, repr=False, compare=False)
    _networks: tuple[Network, ...] = field(init=False, repr=False, compare=False, default=())

    def __post_init__(self) -> None:
        # Parsed once, so that a wrong entry fails when the app starts, not on each request.
        object.__setattr__(self, "_networks", parse_networks(self.trusted_proxies))

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> CaptureOptions:
        """Options with the `trusted_proxies` setting (LOUPE_TRUSTED_PROXIES or loupe.toml), and
        the scrubbing rules and hash key of the settings."""
        options.setdefault("scrubber", Scrubber.from_settings(settings))
        return cls(trusted_proxies=tuple(settings.trusted_proxies), **options)


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """Addresses or CIDR networks (`10.0.0.5`, `10.0.0.0/8`, `fd00::/8`) as networks."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or network") from None
    return tuple(networks)


def _address(text: str) -> Address | None:
    """The address of a peer or X-Forwarded-For entry (`1.2.3.4`, `1.2.3.4:80`, `[::1]:80`)."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped  # a dual-stack socket's view of an IPv4 peer
    return address


def client_ip(peer: str, forwarded_for: str, trusted: tuple[Network, ...]) -> str:
    """The client's IP: the socket's peer, unless the peer is a trusted proxy.

    Then each proxy appended its own peer to X-Forwarded-For, so the list is read from the right:
    the first address that is not a trusted proxy is the client (the entries left of it are the
    client's to write). An entry that is not an address stops the walk at the hop that wrote it;
    when every hop is trusted, the left-most address is the client.
    """

    def is_trusted(address: Address | None) -> bool:
        return address is not None and any(address in network for network in trusted)

    if not is_trusted(_address(peer)):
        return peer
    client = peer
    for entry in reversed(forwarded_for.split(",")):
        address = _address(entry)
        if address is None:
            break
        client = str(address)
        if not is_trusted(address):
            break
    return client


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
    peer: str,
    started_ms: int,
    duration_ms: int,
) -> dict:
    """One API-call record from what the middleware saw (headers with lower-case names, repeated
    ones joined by commas; `peer` is the socket's peer address), scrubbed by the options."""
    request = _query_params(query_string)
    request.update(
        _json_object(request_body, headers.get("content-type", ""), options.max_body_bytes)
    )
    record = {
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
        "ip": client_ip(peer, headers.get("x-forwarded-for", ""), options._networks),
        "referer": headers.get("referer", ""),
        "page_referrer": headers.get("x-page-referrer", ""),
    }
    hints = {name: headers.get(f"sec-ch-ua-{name}") for name in CLIENT_HINTS}
    hints = {name: value for name, value in hints.items() if value is not None}
    if hints:
        record["client_hints"] = hints
    return options.scrubber.scrub_record(record) if options.scrubber else record


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
            headers = _asgi_headers(scope["headers"])
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
                peer=(scope.get("client") or ("", 0))[0],
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
                peer=environ.get("REMOTE_ADDR", ""),
                started_ms=int(started * 1000),
                duration_ms=int((time.time() - started) * 1000),
            )
            _offer(self.recorder, record)

        return _ClosingIterable(self.app(environ, capture_start_response), finish)


def _asgi_headers(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """ASGI headers by lower-case name; a repeated X-Forwarded-For is joined with commas, in
    order, as WSGI servers join it (each proxy may add its own header line)."""
    headers: dict[str, str] = {}
    for key, value in raw:
        name, text = key.decode("latin-1").lower(), value.decode("latin-1")
        if name == "x-forwarded-for" and name in headers:
            text = f"{headers[name]}, {text}"
        headers[name] = text
    return headers


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
