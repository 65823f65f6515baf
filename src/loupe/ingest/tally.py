"""What an ingestion stored: records new to the warehouse, already present, and why others failed.

`pd.api_calls` stores a call once (deterministic event ids, deduplicated batches, a
ReplacingMergeTree), so loading a file twice stores nothing the second time; counting the records
handed over would claim otherwise. `TallyingSink` wraps the warehouse sink and, before each batch
is inserted, asks which of its event ids the table already holds: one query per chunk of ids,
found through the primary key (session ids first), never a scan of the whole table.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from loupe import sqlfiles
from loupe.errors import LoupeError
from loupe.ingest.batch import Batch
from loupe.ingest.sinks import Sink
from loupe.warehouse import Warehouse

PRESENT_SQL = sqlfiles.load("loupe.ingest", "present_events")
# Ids per query: the query parameters stay well under a server's URL limit (1 MiB by default).
CHUNK = 2_000
SAMPLE_CHARS = 80


@dataclass
class Tally:
    """Counts of one ingestion; `known` is False when the warehouse could not be asked."""

    new: int = 0
    present: int = 0
    known: bool = True
    reasons: Counter[str] = field(default_factory=Counter)
    samples: dict[str, str] = field(default_factory=dict)

    def first_reasons(self, limit: int = 5) -> list[tuple[str, int, str]]:
        """The most frequent rejection reasons: (reason, count, start of the first payload)."""
        return [(r, n, self.samples[r]) for r, n in self.reasons.most_common(limit)]


class TallyingSink:
    """A sink that counts new and already-present records before handing batches on."""

    def __init__(self, inner: Sink, warehouse: Warehouse) -> None:
        self.inner = inner
        self.warehouse = warehouse
        self.tally = Tally()
        self._seen: set[str] = set()  # batch tokens: a retried batch is counted once

    def write(self, batch: Batch) -> None:
        if batch.token not in self._seen:
            self._seen.add(batch.token)
            self._count(batch)
        self.inner.write(batch)

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close:
            close()

    def _count(self, batch: Batch) -> None:
        for _, rejection, _ in batch.rejections:
            self.tally.reasons[rejection.reason] += 1
            self.tally.samples.setdefault(
                rejection.reason, rejection.payload.strip()[:SAMPLE_CHARS]
            )
        if not batch.rows:
            return
        ids = {row[0]: row[2] for row in batch.rows}  # event_id -> session_id (COLUMNS order)
        try:
            present = self._present(list(ids.items()))
        except LoupeError:
            self.tally.known = False  # the insert will fail too, and the batch be spooled
            return
        new = len(ids) - present
        self.tally.new += new
        self.tally.present += len(batch.rows) - new  # repeats within the batch count as present

    def _present(self, pairs: list[tuple[str, str]]) -> int:
        found = 0
        for start in range(0, len(pairs), CHUNK):
            chunk = pairs[start : start + CHUNK]
            found += self.warehouse.scalar(
                PRESENT_SQL,
                {
                    "sessions": sorted({session for _, session in chunk}),
                    "ids": [event_id for event_id, _ in chunk],
                },
            )
        return found
