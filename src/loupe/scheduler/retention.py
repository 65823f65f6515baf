"""The nightly `retention` job and `loupe retention`: every schema trimmed to the days it keeps.

`pd` and `dwh` lose their days older than `keep_raw_days` and `keep_dwh_days` (jobs/retention.py:
whole day partitions), `history` its versions whose validity ended more than `keep_history_days`
ago (history/retention.py: row-level). `loupe status` reports the oldest day each one keeps.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from datetime import date, datetime

from loupe.jobs.retention import Dropped, drop_old_days, oldest_day
from loupe.retention import Limits
from loupe.settings import Settings
from loupe.warehouse import Warehouse


def _history_ready(warehouse: Warehouse) -> bool:
    exists = "SELECT count() FROM system.databases WHERE name = 'history'"
    return importlib.util.find_spec("loupe.history") is not None and bool(warehouse.scalar(exists))


@dataclass
class RetentionResult:
    """What one retention run removed (or, dry, would remove) per schema."""

    limits: Limits
    dropped: list[Dropped]
    dry_run: bool = False

    def summary(self) -> str:
        """One line: per schema, the rows removed and the oldest day it keeps."""
        verb = "would drop" if self.dry_run else "dropped"
        parts = []
        for schema in self.dropped:
            if schema.oldest_kept is None:
                parts.append(f"{schema.schema}: kept for ever")
                continue
            unit = "versions" if schema.schema == "history" else "rows"
            plural = "s" if schema.days > 1 else ""
            days = f" ({schema.days} day{plural})" if schema.days else ""
            parts.append(
                f"{schema.schema}: {verb} {schema.total} {unit}{days} before {schema.oldest_kept}"
            )
        return "; ".join(parts)


def run_retention(
    warehouse: Warehouse, settings: Settings, moment: datetime, dry_run: bool = False
) -> RetentionResult:
    """Trim `pd`, `dwh` and (when there) `history` to the days the settings keep at `moment`."""
    limits = Limits.at(settings, moment)
    dropped = [drop_old_days(warehouse, limits, schema, dry_run) for schema in ("pd", "dwh")]
    if _history_ready(warehouse):
        from loupe.history.retention import drop_old_versions

        history = Dropped("history", limits.history)
        before = limits.start_of("history")
        if before is not None:
            history.rows = drop_old_versions(warehouse, before, dry_run)
        dropped.append(history)
    return RetentionResult(limits, dropped, dry_run)


def oldest_days(warehouse: Warehouse, settings: Settings) -> dict[str, str | None]:
    """The oldest day each schema keeps (ISO dates; None when empty): `pd` its oldest call's
    business day, `dwh` the oldest `date` of its dated tables, `history` the day from which its
    as-of readings are exact."""
    days: dict[str, date | None] = {
        schema: oldest_day(warehouse, schema, settings.timezone) for schema in ("pd", "dwh")
    }
    if _history_ready(warehouse):
        from loupe.history.retention import complete_from

        days["history"] = complete_from(warehouse, settings.timezone)
    return {schema: day.isoformat() if day else None for schema, day in days.items()}
