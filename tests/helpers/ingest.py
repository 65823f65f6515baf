"""Sinks around the real WarehouseSink for fault injection (a warehouse that is down, loses the
acknowledgement, or stalls), what the writer stored in pd.api_calls, and the bearer token of the
tests' in-process collector (the `collector` fixture of tests/ingest/conftest.py)."""

from __future__ import annotations

import threading

from loupe.errors import WarehouseUnavailableError
from loupe.ingest.batch import Batch
from loupe.ingest.sinks import WarehouseSink
from loupe.warehouse import Warehouse

COLLECTOR_TOKEN = "t0ken-for-tests"


class SwitchableSink:
    """The real WarehouseSink behind a switch (fault injection, not a fake warehouse).

    mode "down": fails like an unreachable server, writing nothing;
    mode "lost_ack": inserts for real, then fails as if the acknowledgement were lost.
    """

    def __init__(self, warehouse: Warehouse, mode: str = "up") -> None:
        self.inner, self.mode, self.attempts = WarehouseSink(warehouse), mode, 0

    def write(self, batch: Batch) -> None:
        self.attempts += 1
        if self.mode == "down":
            raise WarehouseUnavailableError("connection refused")
        self.inner.write(batch)
        if self.mode == "lost_ack":
            raise WarehouseUnavailableError("connection reset after the insert")


class GatedSink:
    """Blocks every write until released (a warehouse that stalls)."""

    def __init__(self, warehouse: Warehouse) -> None:
        self.inner, self.gate = WarehouseSink(warehouse), threading.Event()

    def write(self, batch: Batch) -> None:
        self.gate.wait(30)
        self.inner.write(batch)


def stored(warehouse: Warehouse) -> tuple[int, int]:
    """Rows and distinct event ids in pd.api_calls."""
    row = warehouse.rows("SELECT count() AS n, uniqExact(event_id) AS u FROM pd.api_calls")[0]
    return row["n"], row["u"]
