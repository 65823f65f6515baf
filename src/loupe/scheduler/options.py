"""The scheduler's options, read from the settings with fallbacks until the settings name them."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from loupe.settings import Settings


@dataclass(frozen=True)
class SchedulerOptions:
    """How often jobs run, how they retry, how long leases last, where metrics are served."""

    interval_seconds: int = 3600
    nightly_at: str = "02:30"
    check_seconds: float = 30.0
    max_catchup_slots: int = 168
    lookback_hours: float = 6.0
    nightly_max_days: int = 31
    retries: int = 3
    backoff_seconds: float = 30.0
    backoff_max_seconds: float = 900.0
    lease_seconds: float = 900.0
    lease_settle_seconds: float = 0.5
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 9788
    max_lag_minutes: float = 120.0

    @property
    def nightly_hour_minute(self) -> tuple[int, int]:
        """`nightly_at` ("HH:MM", business time) as numbers."""
        hour, _, minute = self.nightly_at.partition(":")
        return int(hour), int(minute or 0)

    def __post_init__(self) -> None:
        hour, minute = self.nightly_hour_minute
        if not (0 <= hour < 24 and 0 <= minute < 60):
            raise ValueError(f"nightly_at must be HH:MM, got {self.nightly_at!r}")
        if self.interval_seconds < 1:
            raise ValueError("the scheduler interval must be at least 1 second")

    def with_overrides(self, **overrides: Any) -> SchedulerOptions:
        """A copy with the given (non-None) values replaced, as command-line options give them."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


# Settings field name for each option: `scheduler_<option>` (documented in docs/settings.md once
# the settings carry them; until then the defaults above apply).
def options_from_settings(settings: Settings) -> SchedulerOptions:
    """The options from `settings.scheduler_*` fields where present, else the defaults."""
    values = {}
    for field in fields(SchedulerOptions):
        value = getattr(settings, f"scheduler_{field.name}", None)
        if value is not None:
            values[field.name] = value
    return SchedulerOptions(**values)
