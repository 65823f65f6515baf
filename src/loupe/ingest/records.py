"""The API-call record: validation and normalisation into a `pd.api_calls` row.

This is the hot path of ingestion (every record of the collector, the middleware and
`loupe ingest` passes here), so it is plain Python over `orjson`, not a model library. A record
is rejected (kept with its reason in `pd.api_calls_rejected`) when it has no `session_id`, an
unparsable `ts`, a `request`/`response` that is not a JSON object, a malformed optional field, a
size over the limit (every text field counts), or anything else that makes it unreadable (nested
too deeply to encode): validation never raises. See docs/ingestion.md for the contract.

With a `Privacy`, personal data is scrubbed in the same pass (`scrub.Scrubber`: the bodies as
decoded, the query strings of `endpoint`, `referer` and `page_referrer`, and a rejected record's
payload) and the client IP treated (`client_ip.ClientIp`), so nothing raw is queued, spooled or
stored.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import orjson
import pyarrow as pa

from loupe.ingest.client_ip import ClientIp, client_ip_from_settings
from loupe.ingest.scrub import Scrubber

if TYPE_CHECKING:
    from loupe.settings import Settings

# Column order of the rows `normalize` returns, and the Arrow schema they are inserted with.
COLUMNS = (
    "event_id",
    "ts",
    "session_id",
    "user_id",
    "method",
    "endpoint",
    "status",
    "duration_ms",
    "request",
    "response",
    "user_agent",
    "ip",
    "referer",
    "page_referrer",
    "client_hints",
    "received_at",
)
ARROW_SCHEMA = pa.schema(
    [
        ("event_id", pa.string()),
        ("ts", pa.timestamp("ms", tz="UTC")),
        ("session_id", pa.string()),
        ("user_id", pa.uint64()),
        ("method", pa.string()),
        ("endpoint", pa.string()),
        ("status", pa.uint16()),
        ("duration_ms", pa.uint32()),
        ("request", pa.string()),
        ("response", pa.string()),
        ("user_agent", pa.string()),
        ("ip", pa.string()),
        ("referer", pa.string()),
        ("page_referrer", pa.string()),
        ("client_hints", pa.string()),
        ("received_at", pa.timestamp("ms", tz="UTC")),
    ]
)
REJECTED_SCHEMA = pa.schema(
    [
        ("received_at", pa.timestamp("ms", tz="UTC")),
        ("reason", pa.string()),
        ("payload", pa.string()),
        ("source", pa.string()),
    ]
)

# Timestamps outside [2000-01-01, 2100-01-01) are refused as unparsable: they are unit mistakes.
_MIN_TS_MS = 946_684_800_000
_MAX_TS_MS = 4_102_444_800_000
_UINT32_MAX = 2**32 - 1
_UINT64_MAX = 2**64 - 1
PAYLOAD_REPR_CHARS = 1_048_576
# The client hints a record may carry (Sec-CH-UA-Mobile, -Platform, -Model), by `client_hints` key.
CLIENT_HINTS = ("mobile", "platform", "model")
_CANONICAL_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z"
)


@dataclass(frozen=True, slots=True)
class Rejection:
    """A record refused at ingestion: why, and the payload as it came."""

    reason: str
    payload: str


@dataclass(frozen=True, slots=True)
class Privacy:
    """What a record loses on its way in: scrubbed bodies and URLs, a treated client IP."""

    scrubber: Scrubber | None = None
    client_ip: ClientIp | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Privacy:
        """The scrubbing rules and client-IP treatment of the settings (keyed by the hash key)."""
        return cls(Scrubber.from_settings(settings), client_ip_from_settings(settings))

    def payload(self, text: str, received_at_ms: int) -> str:
        """A rejected record's payload, scrubbed (its `ip` treated as of its receipt)."""
        if self.scrubber is None:
            return text
        client_ip = self.client_ip
        treat_ip = None if client_ip is None else lambda ip: client_ip.apply(ip, received_at_ms)
        return self.scrubber.scrub_payload(text, treat_ip)


NO_PRIVACY = Privacy()


class _Invalid(Exception):
    """Internal: raised inside `normalize` with the rejection reason."""


def now_ms() -> int:
    """Current time in epoch milliseconds (the `received_at` of records handled now)."""
    return int(datetime.now(timezone.utc).timestamp() * 1000)


def parse_ts(value: Any) -> int:
    """`ts` as epoch milliseconds, from epoch milliseconds or an ISO 8601 string (UTC if bare)."""
    if isinstance(value, bool):
        raise _Invalid("ts is not a timestamp")
    if isinstance(value, int | float):
        millis = int(value)
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise _Invalid(
                f"ts is not an ISO 8601 time or epoch milliseconds: {value[:40]!r}"
            ) from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        millis = round(parsed.timestamp() * 1000)
    else:
        raise _Invalid("ts is missing" if value is None else "ts is not a timestamp")
    if not _MIN_TS_MS <= millis < _MAX_TS_MS:
        raise _Invalid(f"ts {value!r} is outside 2000-2100 (epoch milliseconds expected)")
    return millis


def _json_object(record: dict, field: str, scrubber: Scrubber | None) -> str:
    value = record.get(field)
    if value is None:
        return "{}"
    if isinstance(value, str):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            raise _Invalid(f"{field} is not a JSON object") from None
    if not isinstance(value, dict):
        raise _Invalid(f"{field} is not a JSON object")
    data = orjson.dumps(value)
    if scrubber is not None:
        scrubbed = scrubber.scrub_encoded(value, data)
        if scrubbed is not value:
            data = orjson.dumps(scrubbed)
    return data.decode()


def _int(value: Any, field: str, maximum: int) -> int:
    if value is None:
        return 0
    if value.__class__ is not int or not 0 <= value <= maximum:
        raise _Invalid(f"{field} must be an integer between 0 and {maximum}")
    return value


def _text(value: Any, field: str) -> str:
    if value.__class__ is str:
        return value
    if value is None:
        return ""
    raise _Invalid(f"{field} must be a string")


def _client_hints(value: Any) -> str:
    """The `client_hints` object as stored: canonical JSON of its known hints (values without
    the quotes of their header form), or "" when there are none."""
    if value is None:
        return ""
    if value.__class__ is not dict:
        raise _Invalid("client_hints is not a JSON object")
    hints = {}
    for name in CLIENT_HINTS:
        text = value.get(name)
        if text is None:
            continue
        if text.__class__ is not str:
            raise _Invalid(f"client_hints.{name} must be a string")
        text = text.strip().strip('"')
        if name == "mobile" and text not in ("?0", "?1"):
            raise _Invalid("client_hints.mobile must be ?0 or ?1")
        if text:
            hints[name] = text
    return orjson.dumps(hints, option=orjson.OPT_SORT_KEYS).decode() if hints else ""


def _uuid(value: Any) -> str:
    if value.__class__ is str and _CANONICAL_UUID.match(value):
        return value.lower()
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise _Invalid("event_id is not a UUID") from None


def derived_event_id(record: dict) -> str:
    """A deterministic UUID for a record without one: a hash of its canonical JSON."""
    digest = hashlib.blake2b(orjson.dumps(record, option=orjson.OPT_SORT_KEYS), digest_size=16)
    return str(uuid.UUID(bytes=digest.digest(), version=5))


def normalize(
    record: Any,
    received_at_ms: int,
    max_bytes: int,
    raw: bytes | None = None,
    privacy: Privacy = NO_PRIVACY,
) -> tuple | Rejection:
    """Validate one decoded record; return its row (in `COLUMNS` order) or a `Rejection`.

    Written flat on purpose: it runs for every record, and each helper call costs.
    """
    scrubber = privacy.scrubber
    try:
        if record.__class__ is not dict:
            raise _Invalid("record is not a JSON object")
        get = record.get
        session_id = get("session_id")
        if session_id.__class__ is not str or not session_id.strip():
            raise _Invalid(
                "session_id is missing"
                if session_id is None
                else "session_id must be a string"
                if session_id.__class__ is not str
                else "session_id is empty"
            )
        ts = get("ts")
        ts_ms = ts if ts.__class__ is int and _MIN_TS_MS <= ts < _MAX_TS_MS else parse_ts(ts)
        request = _json_object(record, "request", scrubber)
        response = _json_object(record, "response", scrubber)
        method = _text(get("method"), "method")
        endpoint = _text(get("endpoint"), "endpoint")
        user_agent = _text(get("user_agent"), "user_agent")
        ip = _text(get("ip"), "ip")
        referer = _text(get("referer"), "referer")
        page_referrer = _text(get("page_referrer"), "page_referrer")
        client_hints = _client_hints(get("client_hints"))
        if scrubber is not None:
            endpoint = scrubber.scrub_url(endpoint) if endpoint else endpoint
            referer = scrubber.scrub_url(referer) if referer else referer
            page_referrer = scrubber.scrub_url(page_referrer) if page_referrer else page_referrer
        if privacy.client_ip is not None and ip:
            ip = privacy.client_ip.apply(ip, ts_ms)
        size = (
            len(request)
            + len(response)
            + len(session_id)
            + len(method)
            + len(endpoint)
            + len(user_agent)
            + len(ip)
            + len(referer)
            + len(page_referrer)
            + len(client_hints)
        )
        if size > max_bytes:
            raise _Invalid(f"record is {size} bytes, over the limit of {max_bytes}")
        event_id = get("event_id")
        event_id = derived_event_id(record) if event_id is None else _uuid(event_id)
        return (
            event_id,
            ts_ms,
            session_id,
            _int(get("user_id"), "user_id", _UINT64_MAX),
            method.upper(),
            endpoint,
            _int(get("status"), "status", 999),
            _int(get("duration_ms"), "duration_ms", _UINT32_MAX),
            request,
            response,
            user_agent,
            ip,
            referer,
            page_referrer,
            client_hints,
            received_at_ms,
        )
    except _Invalid as invalid:
        return Rejection(str(invalid), privacy.payload(_payload_text(record, raw), received_at_ms))
    except Exception as exc:  # whatever a record holds, it is rejected, never raised
        text = privacy.payload(_payload_text(record, raw), received_at_ms)
        return Rejection(unreadable_reason(exc), text)


def unreadable_reason(exc: BaseException) -> str:
    """The rejection reason of a record that made validation raise (too deep, unencodable)."""
    if isinstance(exc, RecursionError) or "recursion" in str(exc).lower():
        return "record is nested too deeply"
    return f"record cannot be read: {type(exc).__name__}: {str(exc)[:80]}"


def _payload_text(record: Any, raw: bytes | None) -> str:
    if raw is not None:
        return raw.decode(errors="replace")
    try:
        return orjson.dumps(record).decode()
    except Exception:
        try:
            return repr(record)[:PAYLOAD_REPR_CHARS]
        except Exception:  # e.g. a RecursionError in repr of a deep structure
            return f"<unprintable {type(record).__name__}>"


def decode_line(
    line: bytes, received_at_ms: int, max_bytes: int, privacy: Privacy = NO_PRIVACY
) -> tuple | Rejection:
    """Decode and validate one NDJSON line (or JSON-array element), rejecting it whole if it
    cannot be decoded: it never raises, so one record cannot fail its neighbours."""
    try:
        if len(line) > max_bytes * 4:
            text = privacy.payload(line[:max_bytes].decode(errors="replace"), received_at_ms)
            return Rejection(f"record is {len(line)} bytes, over the limit", text)
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            reason = "record is nested too deeply" if "depth" in str(exc) else "not valid JSON"
            return Rejection(reason, privacy.payload(line.decode(errors="replace"), received_at_ms))
        return normalize(record, received_at_ms, max_bytes, raw=line, privacy=privacy)
    except Exception as exc:
        text = privacy.payload(bytes(line).decode(errors="replace"), received_at_ms)
        return Rejection(unreadable_reason(exc), text)
