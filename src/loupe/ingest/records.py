"""The API-call record: validation and normalisation into a `pd.api_calls` row.

This is the hot path of ingestion (every record of the collector, the middleware and
`loupe ingest` passes here), so it is plain Python over `orjson`, not a model library. A record
is rejected (kept with its reason in `pd.api_calls_rejected`) when it has no `session_id`, an
unparsable `ts`, a `request`/`response` that is not a JSON object, a malformed optional field, or
a size over the limit. See docs/ingestion.md for the contract.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import orjson
import pyarrow as pa

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
_OPTIONAL_TEXT = ("user_agent", "ip", "referer")


@dataclass(frozen=True)
class Rejection:
    """A record refused at ingestion: why, and the payload as it came."""

    reason: str
    payload: str


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


def _json_object(record: dict, field: str) -> str:
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
    return orjson.dumps(value).decode()


def _int(record: dict, field: str, maximum: int) -> int:
    value = record.get(field)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise _Invalid(f"{field} must be an integer between 0 and {maximum}")
    return value


def _text(record: dict, field: str) -> str:
    value = record.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Invalid(f"{field} must be a string")
    return value


def derived_event_id(record: dict) -> str:
    """A deterministic UUID for a record without one: a hash of its canonical JSON."""
    digest = hashlib.blake2b(orjson.dumps(record, option=orjson.OPT_SORT_KEYS), digest_size=16)
    return str(uuid.UUID(bytes=digest.digest(), version=5))


def normalize(
    record: Any, received_at_ms: int, max_bytes: int, raw: bytes | None = None
) -> tuple | Rejection:
    """Validate one decoded record; return its row (in `COLUMNS` order) or a `Rejection`."""
    try:
        if not isinstance(record, dict):
            raise _Invalid("record is not a JSON object")
        session_id = record.get("session_id")
        if not isinstance(session_id, str) or not session_id.strip():
            raise _Invalid("session_id is missing")
        ts_ms = parse_ts(record.get("ts"))
        request = _json_object(record, "request")
        response = _json_object(record, "response")
        texts = [_text(record, field) for field in _OPTIONAL_TEXT]
        method = _text(record, "method").upper()
        endpoint = _text(record, "endpoint")
        size = len(request) + len(response) + len(session_id) + len(endpoint) + sum(map(len, texts))
        if size > max_bytes:
            raise _Invalid(f"record is {size} bytes, over the limit of {max_bytes}")
        event_id = record.get("event_id")
        if event_id is None:
            event_id = derived_event_id(record)
        else:
            try:
                event_id = str(uuid.UUID(str(event_id)))
            except ValueError:
                raise _Invalid("event_id is not a UUID") from None
        return (
            event_id,
            ts_ms,
            session_id,
            _int(record, "user_id", 2**64 - 1),
            method,
            endpoint,
            _int(record, "status", 999),
            _int(record, "duration_ms", _UINT32_MAX),
            request,
            response,
            texts[0],
            texts[1],
            texts[2],
            received_at_ms,
        )
    except _Invalid as invalid:
        return Rejection(str(invalid), _payload_text(record, raw))


def _payload_text(record: Any, raw: bytes | None) -> str:
    if raw is not None:
        return raw.decode(errors="replace")
    try:
        return orjson.dumps(record).decode()
    except TypeError:
        return repr(record)


def decode_line(line: bytes, received_at_ms: int, max_bytes: int) -> tuple | Rejection:
    """Decode and validate one NDJSON line, rejecting it whole if it is not valid JSON."""
    if len(line) > max_bytes * 4:
        return Rejection(f"record is {len(line)} bytes, over the limit", line[:max_bytes].decode())
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        return Rejection("not valid JSON", line.decode(errors="replace"))
    return normalize(record, received_at_ms, max_bytes, raw=line)
