"""Benchmark: API calls per second the simulator generates into NDJSON files (not a test).

Usage: python bench/simulate.py [--days 3] [--visits-per-day 20000] [--gzip] [--db]
Prints the calls generated, the wall time and calls/s. The production database is off unless
`--db` is given (SQLite in the temporary directory), so the figure is the traffic generation.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from loupe.simulate import NdjsonOutput, SimulationOptions, run_simulation


def main() -> None:
    """Run one simulation into a temporary directory and print its speed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--visits-per-day", type=int, default=20_000)
    parser.add_argument("--items", type=int, default=3_000)
    parser.add_argument("--gzip", action="store_true")
    parser.add_argument("--db", action="store_true", help="also write the SQLite database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        options = SimulationOptions(
            days=args.days,
            visits_per_day=args.visits_per_day,
            items=args.items,
            db_url=f"sqlite:///{base / 'shop.sqlite'}" if args.db else None,
            truth_dir=base / "truth",
        )
        output = NdjsonOutput(base / "out", compress=args.gzip)
        started = time.perf_counter()
        summary = run_simulation(options, output)
        elapsed = time.perf_counter() - started
        size = sum(path.stat().st_size for path in summary.files)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    print(f"visits: {summary.visits:,}  calls: {summary.calls:,}  NDJSON: {size / 1e6:,.1f} MB")
    print(f"time: {elapsed:.2f} s  ->  {summary.calls / elapsed:,.0f} calls/s")


if __name__ == "__main__":
    main()
