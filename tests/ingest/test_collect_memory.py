"""The collector's memory bound, measured on a real `loupe collect` process.

docs/ingestion.md promises: peak RSS <= the RSS of the collector once warm + 3 x
`collector_max_body_bytes` x `collector_max_concurrent_requests`, whatever the bodies. Hostile
bodies (millions of tiny lines, arrays of empty objects, gzip bombs, deep nesting, more
concurrent posts than allowed) are sent at once, and the process's peak (VmHWM) is read from
/proc. Before the bound, four 4 MiB bodies of `1\\n` took the collector from 380 MiB to 2.7 GiB.
"""

from __future__ import annotations

import gzip
import threading
import time
import uuid
from pathlib import Path

import httpx
import orjson
import pytest

from loupe.settings import Settings
from tests.helpers.calls import api_call
from tests.helpers.collector_child import JSON, NDJSON, Collector, collector_process, migrated

LIMIT = 4 * 1024 * 1024  # collector_max_body_bytes of the test
CONCURRENT = 4  # collector_max_concurrent_requests of the test
SENDERS = CONCURRENT + 2  # more than allowed at once: the extra ones get 429


def legit_body() -> bytes:
    """NDJSON of realistic records (a catalog answer each), just under the body limit."""
    items = [{"id": i, "price": 100 + i, "name": f"Ring {i}"} for i in range(30)]
    lines, size = [], 0
    while True:
        line = orjson.dumps(api_call(event_id=str(uuid.uuid4()), response={"items": items}))
        if size + len(line) + 1 > LIMIT:
            return b"\n".join(lines)
        lines.append(line)
        size += len(line) + 1


def hostile_bodies() -> dict[str, tuple[bytes, dict[str, str]]]:
    deep = b"[" * 1000 + b"]" * 1000
    return {
        "ones": (b"1\n" * (LIMIT // 2), NDJSON),
        "empty objects": (b"{}\n" * (LIMIT // 3), NDJSON),
        "array of empty objects": (b"[" + b"{}," * (LIMIT // 3 - 1) + b"{}]", JSON),
        "gzip bomb of ones": (
            gzip.compress(b"1\n" * (LIMIT // 2)),
            {**NDJSON, "Content-Encoding": "gzip"},
        ),
        "deep nesting": (b"\n".join([deep] * (LIMIT // (len(deep) + 1))), NDJSON),
        "minimal records": (b'{"session_id":"s","ts":1763640000000}\n' * (LIMIT // 38), NDJSON),
    }


def post_all(collector: Collector, body: bytes, headers: dict[str, str]) -> list[int]:
    """Post the body from `SENDERS` clients at once; the statuses of their answers."""
    statuses: list[int] = []

    def send() -> None:
        answer = httpx.post(
            f"{collector.url}/v1/api-calls", content=body, headers=headers, timeout=120
        )
        statuses.append(answer.status_code)

    senders = [threading.Thread(target=send) for _ in range(SENDERS)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(180)
    return sorted(statuses)


@pytest.mark.slow
def test_peak_memory_stays_within_the_documented_bound(settings: Settings, loupe_env: Path) -> None:
    migrated(settings)
    env = {
        "LOUPE_COLLECTOR_MAX_BODY_BYTES": str(LIMIT),
        "LOUPE_COLLECTOR_MAX_CONCURRENT_REQUESTS": str(CONCURRENT),
    }
    bound_kib = 3 * LIMIT * CONCURRENT // 1024
    with collector_process(**env) as collector:
        # Warm: the first inserts of accepted and rejected records size the engine's buffers.
        hostile = hostile_bodies()
        for body, headers in [(legit_body(), NDJSON), hostile["deep nesting"]]:
            statuses = post_all(collector, body, headers)
            assert max(statuses) < 500, statuses
        warm_kib = collector.memory_kib("VmRSS")
        # A first hostile round sizes the allocator's arenas; what it leaves behind is bounded
        # too (memory spent on a body and never given back would show here).
        for body, headers in hostile.values():
            assert max(post_all(collector, body, headers)) < 500
        base_kib = collector.memory_kib("VmRSS")
        kept_mib = (base_kib - warm_kib) // 1024
        assert base_kib - warm_kib <= bound_kib, f"a hostile round kept +{kept_mib} MiB"
        Path(f"/proc/{collector.process.pid}/clear_refs").write_text("5")  # resets VmHWM
        peaks = {}
        for name, (body, headers) in hostile.items():
            started = time.monotonic()
            statuses = post_all(collector, body, headers)
            assert max(statuses) < 500, (name, statuses)
            assert 429 in statuses, (name, statuses)  # more senders than slots
            assert time.monotonic() - started < 60, name
            peaks[name] = (collector.memory_kib("VmHWM") - base_kib) // 1024
        peak_kib = collector.memory_kib("VmHWM") - base_kib
        print(
            f"base {base_kib // 1024} MiB (kept +{kept_mib}), peak +{peak_kib // 1024} MiB: {peaks}"
        )
        assert peak_kib <= bound_kib, (peaks, f"bound +{bound_kib // 1024} MiB")
        assert httpx.get(f"{collector.url}/healthz").json()["status"] == "ok"
