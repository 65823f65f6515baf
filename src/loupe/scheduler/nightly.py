"""The nightly ETL run: yesterday again (late calls), and every earlier day that received calls
since the previous night, from the earliest such day on, within `nightly_max_days`; also the
days a re-classification of user agents asked to rebuild (jobs/user_agents.py), of any age."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from loupe.jobs.registry import query
from loupe.jobs.run import build_days, days_between
from loupe.scheduler.ledger import sql
from loupe.settings import Settings
from loupe.warehouse import Warehouse

log = logging.getLogger("loupe.scheduler")

LATE_DAYS_SQL = sql("late_days")
AGENT_REBUILDS_SQL = query("agent_rebuilds")


def late_days(
    warehouse: Warehouse, tz: str, since: datetime, until: datetime, before: date
) -> list[date]:
    """Business days before `before` with calls received in [since, until), oldest first."""
    params = {"timezone": tz, "since": since, "until": until, "yesterday": before}
    return [row["day"] for row in warehouse.rows(LATE_DAYS_SQL, params)]


def days_to_rebuild(yesterday: date, late: list[date], max_days: int) -> list[date]:
    """From the earliest late day (at most `max_days` back) to yesterday: a later day's
    `is_returning` reads the days before it, so the days after a changed one are rebuilt too."""
    oldest = yesterday - timedelta(days=max_days - 1)
    if late and late[0] < oldest:
        skipped_to = oldest - timedelta(days=1)
        log.warning(
            "late calls for %s..%s are older than %d days and not rebuilt: "
            "run `loupe etl run --from %s --to %s`",
            late[0],
            skipped_to,
            max_days,
            late[0],
            skipped_to,
        )
    first = max(min([*late, yesterday]), oldest)
    return days_between(first, yesterday)


def run_nightly(
    warehouse: Warehouse,
    settings: Settings,
    slot: datetime,
    previous_slot: datetime,
    yesterday: date,
    max_days: int,
) -> str:
    """Rebuild yesterday, the days that received late calls since `previous_slot`, and the days
    a re-classification of user agents asked for."""
    late = late_days(warehouse, settings.timezone, previous_slot, slot, yesterday)
    days = days_to_rebuild(yesterday, late, max_days)
    reclassified = [row["day"] for row in warehouse.rows(AGENT_REBUILDS_SQL)]
    results = build_days(warehouse, settings, sorted({*days, *reclassified}))
    span = f"{days[0]}..{days[-1]}" if len(days) > 1 else str(days[0])
    also = f" and {len(reclassified)} re-classified days" if reclassified else ""
    return f"{span}{also} rebuilt: {sum(r.rows for r in results)} rows"
