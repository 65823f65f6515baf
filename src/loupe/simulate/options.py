"""What a simulation run is asked to do, and what it reports back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path


@dataclass(frozen=True)
class SimulationOptions:
    """Options of one run; the same options (seed included) give byte-identical outputs."""

    days: int = 7
    start: date = date(2026, 11, 16)
    visits_per_day: int = 1_000
    seed: int = 42
    timezone: str = "UTC"
    items: int = 3_000
    # The production database to write (None: none). One that already has tables is written
    # only with replace_db, which drops and recreates the shop's tables.
    db_url: str | None = None
    replace_db: bool = False
    truth_dir: Path | None = None
    # Shares of emitted calls: duplicated (same record twice), late (emitted minutes to hours
    # after their ts), and very late (more than 6 hours after their ts).
    duplicate_rate: float = 0.004
    late_rate: float = 0.01
    very_late_rate: float = 0.002
    bot_share: float = 0.08
    server_error_rate: float = 0.004

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ValueError("days must be at least 1")
        if self.visits_per_day < 1:
            raise ValueError("visits_per_day must be at least 1")
        if self.items < 50:
            raise ValueError("items must be at least 50")
        rates = ("duplicate_rate", "late_rate", "very_late_rate", "bot_share", "server_error_rate")
        for name in rates:
            if not 0.0 <= getattr(self, name) <= 0.5:
                raise ValueError(f"{name} must be within [0, 0.5]")


@dataclass
class SimulationSummary:
    """What a run produced: counts, where the truth went, which database was written."""

    calls: int = 0
    distinct_calls: int = 0
    duplicates: int = 0
    late_calls: int = 0
    visits: int = 0
    days: int = 0
    orders: int = 0
    revenue: int = 0
    truth_dir: Path | None = None
    db_url: str | None = None
    files: list[Path] = field(default_factory=list)
