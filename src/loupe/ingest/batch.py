"""A batch of accepted rows and rejected records, with its deterministic deduplication token.

The token is a hash of the batch's content (event ids, and rejected payloads), so the same batch
inserted twice, after a lost acknowledgement or a spool replay, is dropped by ClickHouse's insert
deduplication (`insert_deduplication_token`) instead of landing twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pyarrow as pa

from loupe.ingest.records import ARROW_SCHEMA, COLUMNS, REJECTED_SCHEMA, Rejection


@dataclass
class Batch:
    """Rows (tuples in `records.COLUMNS` order) and rejections flushed together."""

    rows: list[tuple] = field(default_factory=list)
    rejections: list[tuple[int, Rejection, str]] = field(default_factory=list)
    _token: str | None = None

    def __len__(self) -> int:
        return len(self.rows) + len(self.rejections)

    @property
    def token(self) -> str:
        """Deterministic deduplication token: a hash of the batch's content."""
        if self._token is None:
            digest = hashlib.blake2b(digest_size=16)
            for row in self.rows:
                digest.update(row[0].encode())
            for _, rejection, _ in self.rejections:
                digest.update(rejection.payload.encode(errors="replace"))
            self._token = digest.hexdigest()
        return self._token

    def accepted_table(self) -> pa.Table:
        """The accepted rows as an Arrow table in `pd.api_calls` column order."""
        columns = list(zip(*self.rows)) if self.rows else [[] for _ in ARROW_SCHEMA]
        return pa.Table.from_arrays(
            [pa.array(col, type=f.type) for col, f in zip(columns, ARROW_SCHEMA)],
            schema=ARROW_SCHEMA,
        )

    def rejected_table(self) -> pa.Table:
        """The rejected records as an Arrow table for `pd.api_calls_rejected`."""
        return pa.Table.from_pylist(
            [
                {"received_at": at, "reason": r.reason, "payload": r.payload, "source": source}
                for at, r, source in self.rejections
            ],
            schema=REJECTED_SCHEMA,
        )

    @classmethod
    def from_tables(cls, accepted: pa.Table, rejected: pa.Table, token: str) -> Batch:
        """Rebuild a batch read back from the spool, keeping its original token."""
        # By name: a batch spooled before a column was added (page_referrer) reads it as empty.
        names = set(accepted.column_names)
        columns = [
            accepted.column(name).to_pylist() if name in names else [""] * accepted.num_rows
            for name in COLUMNS
        ]
        rows = [(r[0], _ms(r[1]), *r[2:-1], _ms(r[-1])) for r in zip(*columns)]
        rejections = [
            (_ms(r["received_at"]), Rejection(r["reason"], r["payload"]), r["source"])
            for r in rejected.to_pylist()
        ]
        return cls(rows, rejections, token)


def _ms(value: object) -> int:
    """Arrow gives datetimes back; rows keep epoch milliseconds."""
    return int(value.timestamp() * 1000) if hasattr(value, "timestamp") else int(value)
