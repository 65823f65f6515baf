"""Order reconciliation: orders the API logged against orders in the production database.

Per business day: logged orders (successful `POST /api/v1/orders` calls in `pd.api_calls`,
deduplicated by event_id), orders in the production database, how many match (same order id and
total), revenue on each side and the match rate; the unmatched orders are listed. Every run
appends its rows (`dwh.order_reconciliation`, `dwh.order_reconciliation_unmatched`) with its
`checked_at`; `dwh.order_reconciliation_latest` keeps the newest run per day. The orders of
persons on the erasure list are left out (history/erased.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from loupe import sqlfiles
from loupe.errors import LoupeError
from loupe.history.erased import drop_erased_reconciliation
from loupe.history.snapshot import sql
from loupe.ingest.erased import ErasedKeys
from loupe.job_runs import day_bounds, record_run
from loupe.warehouse import Warehouse

JOB = "reconcile_orders"
# The orders endpoint, as in the shop-API map (jobs/shop_api.yaml).
ORDERS_PATH = "^/api/v1/orders/?$"


@dataclass
class Reconciliation:
    """One run: its time, the day rows it recorded and how many orders did not match."""

    checked_at: datetime
    days: list[dict]
    unmatched: int


def _text(instant: datetime) -> str:
    """A UTC instant in the production database's text form (SQLite keeps DATETIME as text)."""
    return instant.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def newest_order_day(warehouse: Warehouse, business_timezone: str) -> date | None:
    """The business day of the newest order in the production database (None if it has none)."""
    newest = warehouse.scalar(sql("newest_order"))
    if not newest:
        return None
    instant = datetime.fromisoformat(newest).replace(tzinfo=timezone.utc)
    return instant.astimezone(ZoneInfo(business_timezone)).date()


def reconcile_orders(
    warehouse: Warehouse,
    business_timezone: str,
    first: date,
    last: date,
    key: bytes | None = None,
) -> Reconciliation:
    """Reconcile the days `first`..`last` and record the run; return what it recorded. `key` is
    the hash key, which reads the erasure list (needed once it is not empty)."""
    erased = ErasedKeys.load(warehouse, key)
    if last < first:
        raise LoupeError("reconciliation: the last day is before the first")
    started = datetime.now(timezone.utc)
    window_start = day_bounds(first, business_timezone)[0] - timedelta(days=1)
    window_end = day_bounds(last, business_timezone)[1] + timedelta(days=1)
    params = {
        "timezone": business_timezone,
        "window_start": window_start,
        "window_end": window_end,
        "window_start_text": _text(window_start),
        "window_end_text": _text(window_end),
        "orders_path": ORDERS_PATH,
        "checked_at": started,
        "first": first,
        "last": last,
    }
    try:
        staging = sqlfiles.names(table="etl.reconcile_orders")
        warehouse.command(sqlfiles.load("loupe", "truncate_table"), staging)
        warehouse.command(sql("reconcile"), params)
        drop_erased_reconciliation(warehouse, erased)
        warehouse.command(sql("reconcile_days"), params)
        warehouse.command(sql("reconcile_unmatched"), params)
    except LoupeError as exc:
        record_run(warehouse, JOB, first, last, started, 0, error=str(exc)[:2000])
        raise LoupeError(f"order reconciliation failed: {exc}") from exc
    days = warehouse.rows(sql("reconcile_checked"), params)
    unmatched = warehouse.scalar(sql("reconcile_unmatched_count"), params)
    record_run(warehouse, JOB, first, last, started, len(days) + unmatched)
    return Reconciliation(started, days, unmatched)
