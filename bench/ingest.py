"""Ingestion benchmark: records/s through the BatchWriter and the collector, against the engine.

Measured in one run, on the same ~2 KB records:
  engine limit  - the same rows, already normalised, inserted as Arrow tables straight into chDB;
  BatchWriter   - dicts handed to `add_many` (validation, scrubbing as the default settings
                  have it, batching, Arrow, insert);
  collector     - NDJSON bodies POSTed over loopback HTTP to `loupe collect` (another process),
                  on 16 keep-alive connections, 5,000-record bodies (many backends at once;
                  the collector takes `collector_max_concurrent_requests` of them at a time
                  and answers the others 429, which they retry after its Retry-After).
Targets: BatchWriter >= 0.6 x engine limit; collector >= 50,000 records/s.

Usage: python bench/ingest.py [--records N]
"""

from __future__ import annotations

import argparse
import gc
import http.client
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import orjson

from loupe.ingest.batch import Batch
from loupe.ingest.records import Privacy, normalize, now_ms
from loupe.ingest.sinks import WarehouseSink
from loupe.ingest.writer import BatchWriter
from loupe.schema.ddl import DDL
from loupe.schema.migrate import migrate
from loupe.settings import load_settings
from loupe.warehouse import open_warehouse

BATCH = 10_000
BODY_RECORDS = 5_000
CONNECTIONS = 16
USER_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)


def make_records(count: int, seed: int = 7) -> list[dict]:
    """Catalog-page calls of about 2 KB: 24 items with prices, filters, a user agent."""
    rng = random.Random(seed)
    start = 1_795_169_730_000
    records = []
    for n in range(count):
        items = []
        for _ in range(24):
            item_id = rng.randrange(1, 5000)
            price = round(rng.lognormvariate(9, 0.8), 2)
            items.append(
                {
                    "id": item_id,
                    "sku": f"R-{item_id:05d}",
                    "price": price,
                    "old_price": round(price * 1.2, 2),
                }
            )
        records.append(
            {
                "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "ts": start + n * 7,
                "session_id": f"s{rng.randrange(100_000):06d}-{rng.getrandbits(64):016x}",
                "user_id": rng.choice([None, rng.randrange(1, 50_000)]),
                "method": "GET",
                "endpoint": "/api/v1/catalog",
                "status": 200,
                "duration_ms": rng.randrange(5, 300),
                "request": {
                    "section": rng.choice(["rings", "earrings", "chains"]),
                    "material": ["gold", "silver"][: rng.randrange(1, 3)],
                    "metal": ["585"],
                    "price_min": 1000,
                    "price_max": 90000,
                    "sort": "popular",
                    "page": rng.randrange(1, 5),
                    "per_page": 24,
                },
                "response": {
                    "total": rng.randrange(0, 900),
                    "items": items,
                    "facets": {
                        "material": {"gold": 120, "silver": 340, "platinum": 12, "steel": 55},
                        "metal": {"585": 100, "750": 30, "925": 300, "950": 10},
                        "stone": {"diamond": 40, "sapphire": 12, "emerald": 8, "topaz": 20},
                    },
                },
                "user_agent": USER_AGENT,
                "ip": f"203.0.113.{rng.randrange(256)}",
                "referer": "https://shop.example/catalog/rings?utm_source=newsletter",
            }
        )
    return records


def engine_limit(warehouse, records: list[dict]) -> float:  # type: ignore[no-untyped-def]
    received = now_ms()
    rows = [normalize(record, received, 1 << 20) for record in records]
    tables = [Batch(rows[i : i + BATCH]).accepted_table() for i in range(0, len(rows), BATCH)]
    warehouse.command("TRUNCATE TABLE pd.api_calls")
    started = time.perf_counter()
    for table in tables:
        warehouse.insert_arrow("pd.api_calls", table)
    return len(records) / (time.perf_counter() - started)


def batch_writer_rate(warehouse, records: list[dict], privacy: Privacy) -> float:  # type: ignore[no-untyped-def]
    warehouse.command("TRUNCATE TABLE pd.api_calls")
    started = time.perf_counter()
    with BatchWriter(WarehouseSink(warehouse), max_records=BATCH, privacy=privacy) as writer:
        for start in range(0, len(records), 1000):
            writer.add_many(records[start : start + 1000])
    elapsed = time.perf_counter() - started
    assert warehouse.scalar("SELECT count() FROM pd.api_calls") == len(records)
    return len(records) / elapsed


def post_bodies(port: int, bodies: list[bytes], token: str) -> None:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"}
    queue = list(bodies)
    lock = threading.Lock()

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                if not queue:
                    break
                body = queue.pop()
            while True:  # as a shop's backend does: a 429 is retried after its Retry-After
                connection.request("POST", "/v1/api-calls", body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                if response.status != 429:
                    break
                time.sleep(float(response.getheader("Retry-After", "1")))
            if response.status != 200:
                raise RuntimeError(f"collector answered {response.status}: {payload[:200]!r}")
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def collector_rate(directory: Path, records: list[dict]) -> float:
    token = "bench-token"
    port = 18787
    env = {
        **os.environ,
        "LOUPE_DATA_DIR": str(directory / "warehouse"),
        "LOUPE_SPOOL_DIR": str(directory / "spool"),
        "LOUPE_SCRUB_HASH_KEY_FILE": str(directory / "scrub-hash.key"),
        "LOUPE_PRODUCTION_URL": "",
        "LOUPE_COLLECTOR_TOKEN": token,
        "LOUPE_COLLECTOR_PORT": str(port),
        "LOUPE_HTTP_INTERFACE_PORT": "0",
        "LOUPE_BATCH_MAX_DELAY_MS": "200",
    }
    loupe = str(Path(sys.executable).with_name("loupe"))
    server = subprocess.Popen([loupe, "collect"], env=env, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        lines = [orjson.dumps(record) for record in records]
        bodies = [
            b"\n".join(lines[i : i + BODY_RECORDS]) for i in range(0, len(lines), BODY_RECORDS)
        ]
        started = time.perf_counter()
        post_bodies(port, bodies, token)
        elapsed = time.perf_counter() - started
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
    return len(records) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    args = parser.parse_args()
    records = make_records(args.records)
    # The input records live for the whole run; keep the garbage collector from re-scanning
    # them, as it would not in a service where each record is short-lived.
    gc.freeze()
    size = sum(len(orjson.dumps(r)) for r in records[:1000]) / 1000
    directory = Path(tempfile.mkdtemp(prefix="loupe-bench-"))
    try:
        settings = load_settings(
            data_dir=directory / "warehouse",
            production_url="",
            scrub_hash_key_file=directory / "scrub-hash.key",
        )
        with open_warehouse(settings) as warehouse:
            migrate(warehouse, DDL())
            limit = engine_limit(warehouse, records)
            # Scrubbing and the client-IP treatment as the defaults have them (`open_writer`).
            writer = batch_writer_rate(warehouse, records, Privacy.from_settings(settings))
            warehouse.command("TRUNCATE TABLE pd.api_calls")
        collector = collector_rate(directory, records)
        with open_warehouse(settings) as warehouse:
            stored = warehouse.scalar("SELECT count() FROM pd.api_calls")
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"records: {len(records):,} of {size:,.0f} bytes average")
    print(f"engine limit (Arrow insert):  {limit:12,.0f} records/s")
    print(
        f"BatchWriter:                  {writer:12,.0f} records/s  = {writer / limit:.2f} x limit"
        "  (target >= 0.60)"
    )
    print(
        f"collector (loopback HTTP):    {collector:12,.0f} records/s  = {collector / limit:.2f} x "
        f"limit  (target >= 50,000/s); stored {stored:,} of {len(records):,}"
    )


if __name__ == "__main__":
    main()
