"""The scheduler's options: the `scheduler_*` settings, which also give every default."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from loupe.settings import Settings


def _default(option: str) -> Any:
    """The default of the setting `scheduler_<option>` (the settings are the one source)."""
    return Settings.model_fields[f"scheduler_{option}"].default


@dataclass(frozen=True)
class SchedulerOptions:
    """How often jobs run, how they retry, how long leases last, where metrics are served.

    Each option is the setting `scheduler_<option>` (docs/settings.md); `SchedulerOptions()`
    holds the settings' defaults, `from_settings` the configured values.
    """

    interval_seconds: int = _default("interval_seconds")
    nightly_at: str = _default("nightly_at")
    check_seconds: float = _default("check_seconds")
    max_catchup_slots: int = _default("max_catchup_slots")
    lookback_hours: float = _default("lookback_hours")
    nightly_max_days: int = _default("nightly_max_days")
    retries: int = _default("retries")
    backoff_seconds: float = _default("backoff_seconds")
    backoff_max_seconds: float = _default("backoff_max_seconds")
    lease_seconds: float = _default("lease_seconds")
    lease_settle_seconds: float = _default("lease_settle_seconds")
    metrics_host: str = _default("metrics_host")
    metrics_port: int = _default("metrics_port")
    max_lag_minutes: float = _default("max_lag_minutes")

    @classmethod
    def from_settings(cls, settings: Settings) -> SchedulerOptions:
        """The options as configured: each from its `settings.scheduler_*` field."""
        return cls(**{f.name: getattr(settings, f"scheduler_{f.name}") for f in fields(cls)})

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
