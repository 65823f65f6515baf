"""The erasure list and the record of erasures, in the `privacy` database (migration 0065).

The list (`privacy.erased_keys`) holds the keyed hash of every erased user id, session id and
email hash (`hash_key.erased_hash`), never a raw value: the writers, snapshots and copies of
production orders read it (ingest/erased.py) so an erased person does not come back. The record
(`privacy.erasures`) keeps one row per erasure: when, what kind of value was named and its keyed
hash, the rows removed per table, the spooled records dropped and the days rebuilt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from loupe import sqlfiles
from loupe.warehouse import Warehouse


@dataclass
class ErasureReport:
    """What one erasure did (counts and keyed hashes only: nothing that names the person)."""

    erasure_id: str
    kind: str
    key_hash: str
    erased_keys: int
    rows: dict[str, int] = field(default_factory=dict)
    spooled: int = 0
    rebuilt_days: list[date] = field(default_factory=list)
    days_not_rebuilt: list[date] = field(default_factory=list)

    @property
    def total_rows(self) -> int:
        """Rows removed from every table."""
        return sum(self.rows.values())


def add_to_list(
    warehouse: Warehouse, erasure_id: str, erased_at: datetime, entries: list[tuple[str, str]]
) -> None:
    """Add (kind, keyed hash) entries to the erasure list."""
    if not entries:
        return
    kinds, hashes = zip(*entries)
    warehouse.command(
        sqlfiles.load("loupe.privacy", "add_erased_keys"),
        {
            "erasure_id": erasure_id,
            "erased_at": erased_at,
            "kinds": list(kinds),
            "hashes": list(hashes),
        },
    )


def record_erasure(warehouse: Warehouse, report: ErasureReport, requested_at: datetime) -> None:
    """Append the erasure's row to privacy.erasures."""
    tables = sorted(name for name, rows in report.rows.items() if rows)
    warehouse.command(
        sqlfiles.load("loupe.privacy", "record_erasure"),
        {
            "erasure_id": report.erasure_id,
            "requested_at": requested_at,
            "finished_at": datetime.now(timezone.utc),
            "kind": report.kind,
            "key_hash": report.key_hash,
            "erased_keys": report.erased_keys,
            "tables": tables,
            "rows": [report.rows[name] for name in tables],
            "spooled": report.spooled,
            "days": [day.isoformat() for day in report.rebuilt_days],
        },
    )
