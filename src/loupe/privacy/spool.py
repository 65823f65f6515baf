"""Erasing a person from the spool: batches waiting on local disk for the warehouse.

Every spool under `spool_dir` (one per writer: `api_calls/`...) is read batch by batch; a batch
holding rows or rejected payloads of an erased person is rewritten without them, keeping its
deduplication token, or removed when nothing is left. A writer replaying the spool at the same
moment may insert a batch before it is rewritten: the erasure deletes from the tables after the
spool, so such rows are deleted there.
"""

from __future__ import annotations

from pathlib import Path

from loupe.ingest.batch import Batch
from loupe.ingest.erased import ErasedKeys
from loupe.ingest.spool import Spool


def _spools(spool_dir: Path) -> list[Spool]:
    if not spool_dir.is_dir():
        return []
    return [Spool(path) for path in sorted(spool_dir.iterdir()) if path.is_dir()]


def _rejection_erased(keys: ErasedKeys, payload: str, sessions: set[str]) -> bool:
    return keys.in_text(payload) or any(session in payload for session in sessions)


def erase_from_spool(spool_dir: Path, keys: ErasedKeys, sessions: set[str]) -> int:
    """Drop the erased person's records from every spooled batch; returns how many went.

    `keys` holds the new erasure list; `sessions` the raw session ids of the person, looked for
    in rejected payloads (which are not parsed)."""
    removed = 0
    for spool in _spools(spool_dir):
        for path, batch in spool.batches():
            rows = [row for row in batch.rows if not keys.row(row)]
            rejections = [
                item
                for item in batch.rejections
                if not _rejection_erased(keys, item[1].payload, sessions)
            ]
            dropped = len(batch) - len(rows) - len(rejections)
            if dropped:
                spool.rewrite(path, Batch(rows, rejections, batch.token))
                removed += dropped
    return removed
