"""Where a BatchWriter sends its batches: the warehouse, or a Loupe collector over HTTP."""

from __future__ import annotations

from typing import Protocol

import httpx
import orjson

from loupe.errors import WarehouseUnavailableError
from loupe.ingest.batch import Batch
from loupe.ingest.records import COLUMNS
from loupe.warehouse import Warehouse

API_CALLS_TABLE = "pd.api_calls"
REJECTED_TABLE = "pd.api_calls_rejected"


class Sink(Protocol):
    """Writes one batch durably, or raises; writing the same batch twice must land it once."""

    def write(self, batch: Batch) -> None: ...


class WarehouseSink:
    """Inserts batches into `pd.api_calls` / `pd.api_calls_rejected` with deduplication tokens."""

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse

    def write(self, batch: Batch) -> None:
        if batch.rows:
            self.warehouse.insert_arrow(
                API_CALLS_TABLE,
                batch.accepted_table(),
                settings={"insert_deduplication_token": batch.token},
            )
        if batch.rejections:
            self.warehouse.insert_arrow(
                REJECTED_TABLE,
                batch.rejected_table(),
                settings={"insert_deduplication_token": f"{batch.token}-rejected"},
            )


class CollectorSink:
    """Posts batches as NDJSON to a Loupe collector (`POST /v1/api-calls`).

    Accepted rows go with their event ids, so the collector's own deduplication makes a retried
    post harmless; rejected records are posted as they came, and the collector records them.
    """

    def __init__(self, url: str, token: str, timeout_s: float = 10.0) -> None:
        self.url = url.rstrip("/") + "/v1/api-calls"
        self._client = httpx.Client(
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"},
            timeout=timeout_s,
        )

    def write(self, batch: Batch) -> None:
        lines = [orjson.dumps(_record(row)) for row in batch.rows]
        lines += [rejection.payload.encode() for _, rejection, _ in batch.rejections]
        try:
            response = self._client.post(self.url, content=b"\n".join(lines))
        except httpx.HTTPError as exc:
            raise WarehouseUnavailableError(f"collector {self.url} unreachable: {exc}") from exc
        if response.status_code != 200:
            raise WarehouseUnavailableError(
                f"collector {self.url} answered {response.status_code}: {response.text[:200]}"
            )

    def close(self) -> None:
        self._client.close()


def _record(row: tuple) -> dict:
    """A normalised row back in the API-call record format."""
    record = dict(zip(COLUMNS, row))
    record.pop("received_at")
    record["user_id"] = record["user_id"] or None
    hints = record["client_hints"]
    record["client_hints"] = orjson.loads(hints) if hints else None
    return record
