"""One `loupe snapshot` run: link, snapshot the entities, refresh the copies, reconcile orders.

The order matters: the `mysql` link is checked first (made if missing: the production database
may have appeared after `loupe init`, as in the demo; an error if it reads another database than
`production_url` names, or if the source does not answer), the snapshots read the source once
each, the live views are recreated over the link, the dimension copies are swapped in, and the
reconciliation reads the fresh production orders against the API log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from loupe.errors import LoupeError
from loupe.history.live import refresh_dimensions
from loupe.history.reconcile import Reconciliation, newest_order_day, reconcile_orders
from loupe.history.snapshot import SnapshotResult, run_snapshot
from loupe.ingest.hash_key import hash_key
from loupe.retention import Limits
from loupe.schema.ddl import DDL
from loupe.schema.link import check_link, create_live_views
from loupe.settings import Settings
from loupe.warehouse import Warehouse


@dataclass
class SnapshotReport:
    """What a snapshot run did."""

    snapshots: list[SnapshotResult]
    views: list[str] = field(default_factory=list)
    dimensions: dict[str, int] = field(default_factory=dict)
    reconciliation: Reconciliation | None = None


def ensure_link(settings: Settings, warehouse: Warehouse) -> None:
    """Check the `mysql` link reads the database `production_url` names, and that it answers
    (made if missing); otherwise a one-line error, before anything is read or written."""
    url = settings.production_url.get_secret_value()
    if not url:
        raise LoupeError("production_url is empty: there is no production database to snapshot")
    check_link(warehouse, url)


def take_snapshot(
    settings: Settings,
    warehouse: Warehouse,
    entities: list[str] | None = None,
    full: bool = False,
    reconcile_days: int = 7,
    as_of: datetime | None = None,
) -> SnapshotReport:
    """Snapshot the entities, recreate the live views, refresh the copies, reconcile orders.

    Orders are reconciled over the `reconcile_days` business days ending at the newest order's.
    `as_of` dates the new versions at that instant (never later than now): `run_snapshot`.
    """
    ensure_link(settings, warehouse)
    ddl = DDL(settings.cluster)
    key = hash_key(settings)
    report = SnapshotReport(run_snapshot(warehouse, entities, full, ddl, key, as_of))
    report.views = create_live_views(warehouse)
    keep_from = Limits.at(settings, datetime.now(timezone.utc)).dwh
    report.dimensions = refresh_dimensions(warehouse, settings.timezone, ddl, keep_from, key)
    last = newest_order_day(warehouse, settings.timezone)
    if last is not None:
        first = last - timedelta(days=reconcile_days - 1)
        report.reconciliation = reconcile_orders(warehouse, settings.timezone, first, last, key)
    return report


def snapshot_each_commit(
    settings: Settings, warehouse: Warehouse, reports: list[SnapshotReport] | None = None
) -> Callable[[datetime], None]:
    """An `on_commit` callback for `run_simulation`: history snapshotted as of each commit's
    simulated instant, so that history and the simulated calls share one timeline.

    Only the history tables are written; the live views, the copies and the reconciliation are
    a `take_snapshot` after the run.
    """
    ddl = DDL(settings.cluster)
    key = hash_key(settings)

    def on_commit(instant: datetime) -> None:
        ensure_link(settings, warehouse)
        report = SnapshotReport(run_snapshot(warehouse, ddl=ddl, key=key, as_of=instant))
        if reports is not None:
            reports.append(report)

    return on_commit
