"""Versioned history of the production database, dimension copies and order reconciliation
(docs/history.md); the production link and its live views are `loupe.schema.link`."""

from loupe.history.asof import as_of, changes
from loupe.history.live import refresh_dimensions
from loupe.history.reconcile import reconcile_orders
from loupe.history.snapshot import SnapshotResult, run_snapshot

__all__ = [
    "SnapshotResult",
    "as_of",
    "changes",
    "reconcile_orders",
    "refresh_dimensions",
    "run_snapshot",
]
