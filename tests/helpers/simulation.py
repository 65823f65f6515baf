"""Small simulator runs for the tests (each takes well under a second): `simulate` and the `Run` it
returns."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import orjson

from loupe.simulate import NdjsonOutput, SimulationOptions, SimulationSummary, run_simulation

# Higher duplicate and late rates than the defaults, so a small run has enough of them to count.
SMALL = {
    "days": 3,
    "start": date(2026, 11, 19),
    "visits_per_day": 300,
    "items": 400,
    "seed": 7,
    "duplicate_rate": 0.02,
    "late_rate": 0.03,
    "very_late_rate": 0.01,
}


@dataclass
class Run:
    """A finished run: its options, summary and where its files are."""

    options: SimulationOptions
    summary: SimulationSummary
    out_dir: Path
    truth_dir: Path
    db_path: Path

    def lines(self) -> list[bytes]:
        """The emitted records, in arrival order (file by file)."""
        lines: list[bytes] = []
        for path in sorted(self.out_dir.glob("calls-*.ndjson*")):
            data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
            lines.extend(data.splitlines())
        return lines

    def records(self) -> list[dict]:
        """The emitted records, decoded, in arrival order."""
        return [orjson.loads(line) for line in self.lines()]

    def truth(self, name: str) -> list[dict]:
        """One truth file's rows."""
        return [orjson.loads(line) for line in (self.truth_dir / name).read_bytes().splitlines()]


def simulate(
    base: Path,
    compress: bool = False,
    db_url: str | None = None,
    on_day_done: Callable[[str], None] | None = None,
    on_commit: Callable[[datetime], None] | None = None,
    **overrides,
) -> Run:
    """Run the simulator into `base` (out/, truth/, shop.sqlite)."""
    db_path = base / "shop.sqlite"
    options = SimulationOptions(
        **{**SMALL, **overrides},
        db_url=db_url or f"sqlite:///{db_path}",
        truth_dir=base / "truth",
    )
    output = NdjsonOutput(base / "out", options.timezone, compress=compress)
    summary = run_simulation(options, output, on_day_done=on_day_done, on_commit=on_commit)
    return Run(options, summary, base / "out", base / "truth", db_path)
