"""The retention policy: how far back each schema keeps its days (`keep_*_days` settings).

A day D is kept while `today - D <= keep_days`, `today` being the business day (in the `timezone`
setting) of the moment the policy is applied: the oldest day kept is `today - keep_days`. 0 keeps
every day. The nightly `retention` job (scheduler/retention.py) applies it; this module, below
the packages that apply it, only says where each schema's limit falls, so the ETL can refuse to
rebuild a day whose raw calls are gone without knowing how they were dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from loupe.errors import LoupeError
from loupe.job_runs import day_bounds
from loupe.settings import Settings

SCHEMAS = ("pd", "dwh", "history")


def business_day(moment: datetime, tz: str) -> date:
    """The business day of an aware instant in timezone `tz`."""
    return moment.astimezone(ZoneInfo(tz)).date()


def oldest_kept_day(today: date, keep_days: int) -> date | None:
    """The oldest day a schema keeping `keep_days` days keeps on `today` (None: every day)."""
    return today - timedelta(days=keep_days) if keep_days else None


@dataclass(frozen=True)
class Limits:
    """The oldest day each schema keeps at one moment (None: every day), and that moment."""

    today: date
    timezone: str
    pd: date | None
    dwh: date | None
    history: date | None

    @classmethod
    def at(cls, settings: Settings, moment: datetime) -> Limits:
        """The limits of the settings at an aware instant."""
        today = business_day(moment, settings.timezone)
        return cls(
            today=today,
            timezone=settings.timezone,
            pd=oldest_kept_day(today, settings.keep_raw_days),
            dwh=oldest_kept_day(today, settings.keep_dwh_days),
            history=oldest_kept_day(today, settings.keep_history_days),
        )

    def start_of(self, schema: str) -> datetime | None:
        """The UTC instant at which the oldest day `schema` keeps begins (None: every day)."""
        day = getattr(self, schema)
        return day_bounds(day, self.timezone)[0] if day else None


def refuse_days_past_retention(settings: Settings, days: list[date], moment: datetime) -> None:
    """A one-line error if a day to build is older than the raw calls kept (`keep_raw_days`):
    its calls are dropped, or about to be, so a build would make an empty or partial day."""
    oldest = Limits.at(settings, moment).pd
    past = sorted(day for day in days if oldest and day < oldest)
    if past:
        which = str(past[0]) if len(past) == 1 else f"{len(past)} days ({past[0]}..{past[-1]})"
        raise LoupeError(
            f"{which} is past retention: pd keeps {settings.keep_raw_days} days of calls "
            f"(keep_raw_days), from {oldest} on; such a day can no longer be rebuilt"
        )
