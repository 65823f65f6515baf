"""Versioned history of the production database, live inventory views, dimension copies and
order reconciliation (docs/history.md)."""

from loupe.history.asof import as_of, changes
from loupe.history.live import create_live_views, refresh_dimensions
from loupe.history.reconcile import reconcile_orders
from loupe.history.snapshot import SnapshotResult, run_snapshot

__all__ = [
    "SnapshotResult",
    "as_of",
    "changes",
    "create_live_views",
    "reconcile_orders",
    "refresh_dimensions",
    "run_snapshot",
]
