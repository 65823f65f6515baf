"""Helpers of the scheduler tests: a settable clock, calls at given times, dwh fingerprints."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from loupe.ingest.sinks import WarehouseSink
from loupe.ingest.writer import BatchWriter
from loupe.warehouse import Warehouse
from tests.conftest import api_call


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def visit_calls(start: datetime, session: str, calls: int = 3) -> list[dict]:
    """A visit: `calls` catalog calls one minute apart from `start`."""
    return [
        api_call(
            ts=iso(start + timedelta(minutes=n)), session_id=session, event_id=str(uuid.uuid4())
        )
        for n in range(calls)
    ]


def load(warehouse: Warehouse, records: list[dict]) -> None:
    with BatchWriter(WarehouseSink(warehouse)) as writer:
        writer.add_many(records).result(timeout=60)


def dwh_fingerprint(warehouse: Warehouse) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent checksum of every dwh table."""
    tables = warehouse.rows(
        "SELECT name FROM system.tables WHERE database = 'dwh' AND engine LIKE '%MergeTree'"
    )
    result = {}
    for table in sorted(row["name"] for row in tables):
        row = warehouse.rows(
            f"SELECT count() AS n, groupBitXor(cityHash64(*)) AS h FROM dwh.{table}"
        )[0]
        result[table] = (row["n"], row["h"])
    return result
