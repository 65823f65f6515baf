"""Retention of `history`: the versions whose validity ended before a cutoff are deleted.

The rule (docs/history.md, "Retention"): a version is deleted when the key's next version began
before the cutoff, i.e. its validity ended before it. The latest version of every key is kept,
whether open or a deletion, however old, and so is every version still valid at the cutoff:
`history.<entity>_as_of(at)` for any `at` at or after the cutoff reads the same rows as before,
and a snapshot still finds each key's latest version to compare the production row with. What
goes is the past before the cutoff: an as-of reading of an earlier instant may miss keys.

The versions tables are partitioned by month, so the deletion is row-level: a lightweight
DELETE per entity (the rows are masked at once and removed by the next merges).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from loupe.history.entities import entity_names, resolve
from loupe.history.snapshot import sql
from loupe.warehouse import Warehouse


def drop_old_versions(
    warehouse: Warehouse, before: datetime, dry_run: bool = False
) -> dict[str, int]:
    """Delete every version whose validity ended before `before` (see the module docstring);
    returns the versions deleted (`dry_run`: that would be) per entity that had any."""
    dropped = {}
    for name in entity_names():
        entity = resolve(warehouse, name)
        params = {"before": before}
        count = warehouse.scalar(sql("retention_old_versions", entity=entity, delete=False), params)
        if count and not dry_run:
            warehouse.command(sql("retention_old_versions", entity=entity, delete=True), params)
        if count:
            dropped[entity.versions_table] = count
    return dropped


def complete_from(warehouse: Warehouse, tz: str) -> date | None:
    """The business day from which every entity's history still answers as-of readings exactly
    (the day of the latest instant before which retention deleted a version, else of the first
    snapshot); None when history is empty."""
    instants = []
    for name in entity_names():
        entity = resolve(warehouse, name)
        instant = warehouse.scalar(sql("retention_complete_from", entity=entity))
        if instant is not None:
            instants.append(instant)
    if not instants:
        return None
    latest = max(instants)
    return (
        (latest if latest.tzinfo else latest.replace(tzinfo=ZoneInfo("UTC")))
        .astimezone(ZoneInfo(tz))
        .date()
    )
