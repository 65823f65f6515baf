"""Records the API calls of one visit: timestamps, event ids, injected server errors, retries.

Within a visit every call starts after the previous one ended, so timestamps strictly increase,
and the pauses are capped well under the 30-minute visit gap.
"""

from __future__ import annotations

import random
import time

from loupe.simulate.sources import DIRECT_TRUTH

MAX_PAUSE_MS = 10 * 60 * 1000
# Hard cap on the gap between the starts of consecutive calls of a visit (pauses can stack when
# the visitor moves between pages without a call), well under the 30-minute visit split.
MAX_GAP_MS = 15 * 60 * 1000
_SERVER_ERRORS = (500, 502, 503, 504)
_RETRY_SHARE = 0.65
_MAX_RETRIES = 2
_minute_prefixes: dict[int, str] = {}


def iso_ms(epoch_ms: int) -> str:
    """UTC ISO-8601 with milliseconds and `Z`, e.g. 2026-11-20T10:15:30.123Z."""
    seconds, millis = divmod(epoch_ms, 1000)
    minute, second = divmod(seconds, 60)
    prefix = _minute_prefixes.get(minute)
    if prefix is None:
        if len(_minute_prefixes) > 100_000:
            _minute_prefixes.clear()
        prefix = time.strftime("%Y-%m-%dT%H:%M:", time.gmtime(minute * 60))
        _minute_prefixes[minute] = prefix
    return f"{prefix}{second:02d}.{millis:03d}Z"


def new_uuid(rng: random.Random) -> str:
    """A version-4 UUID string drawn from `rng` (deterministic for a seeded generator)."""
    bits = rng.getrandbits(128)
    bits = (bits & ~(0xF000 << 64)) | (0x4000 << 64)
    bits = (bits & ~(0xC000 << 48)) | (0x8000 << 48)
    text = f"{bits:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


class VisitRecorder:
    """Builds the records of one visit in time order, as the visitor's browser makes calls."""

    __slots__ = (
        "error_rate",
        "ip",
        "now_ms",
        "page_referrer",
        "records",
        "referer",
        "rng",
        "session_id",
        "source",
        "stamps",
        "user_agent",
        "user_id",
    )

    def __init__(
        self,
        rng: random.Random,
        session_id: str,
        user_id: int | None,
        user_agent: str,
        ip: str,
        start_ms: int,
        error_rate: float,
    ) -> None:
        self.rng = rng
        self.session_id = session_id
        self.user_id = user_id
        self.user_agent = user_agent
        self.ip = ip
        self.now_ms = start_ms
        self.error_rate = error_rate
        self.referer = ""
        self.page_referrer: str | None = None  # None: the frontend sends none
        self.source = DIRECT_TRUTH  # the visit's acquisition as Loupe must find it
        self.records: list[dict] = []
        self.stamps: list[int] = []

    def pause(self, median_ms: float, sigma: float = 0.9) -> None:
        """Let the visitor think or read for a log-normal while (capped at MAX_PAUSE_MS)."""
        self.now_ms += min(MAX_PAUSE_MS, int(self.rng.lognormvariate(0.0, sigma) * median_ms))

    def emit(
        self,
        method: str,
        endpoint: str,
        request: dict,
        status: int,
        response: dict,
        duration_ms: int,
    ) -> None:
        """Record one call starting now; the clock moves past its end."""
        if self.stamps and self.now_ms - self.stamps[-1] > MAX_GAP_MS:
            self.now_ms = self.stamps[-1] + MAX_GAP_MS
        record = {
            "event_id": new_uuid(self.rng),
            "ts": iso_ms(self.now_ms),
            "session_id": self.session_id,
            "user_id": self.user_id,
            "method": method,
            "endpoint": endpoint,
            "status": status,
            "duration_ms": duration_ms,
            "request": request,
            "response": response,
            "user_agent": self.user_agent,
            "ip": self.ip,
            "referer": self.referer,
        }
        if self.page_referrer is not None:
            record["page_referrer"] = self.page_referrer
        self.records.append(record)
        self.stamps.append(self.now_ms)
        self.now_ms += duration_ms + 5 + (self.rng.getrandbits(6))

    def fails(self, method: str, endpoint: str, request: dict) -> bool:
        """Maybe inject server errors (5xx) with client retries; True when the call gave up.

        When it returns False the caller records the successful attempt next.
        """
        rng = self.rng
        attempts = 0
        while rng.random() < self.error_rate:
            status = _SERVER_ERRORS[rng.getrandbits(2)]
            slow = status == 504
            duration = rng.randint(5_000, 30_000) if slow else rng.randint(5, 400)
            self.emit(method, endpoint, request, status, {"error": "server_error"}, duration)
            if attempts >= _MAX_RETRIES or rng.random() >= _RETRY_SHARE:
                return True
            attempts += 1
            self.now_ms += rng.randint(300, 3_000)
        return False

    def duration(self, median_ms: float) -> int:
        """How long the server took: log-normal around `median_ms`."""
        return max(1, int(self.rng.lognormvariate(0.0, 0.5) * median_ms))
