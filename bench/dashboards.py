"""Dashboard benchmark: p50/p95 of every card's query over a month of simulated traffic.

Simulates `--days` days (default 30) of about `--calls-per-day` calls (default 1,000,000) into an
embedded warehouse, with history snapshotted as of each of the simulated shop's commits (as
`loupe demo` does: stock-outs and price changes in history line up with the calls), builds every
dwh table, takes a final snapshot (for the live inventory and reconciliation cards), then runs
every card `--runs` times (default 20) with the date range set to the whole month (the widest a
user can ask for) and prints p50 and p95 per card. The cards that show their previous period
(KPIs and daily trends) run again as the web UI runs them, over the month's second half with its
first half as the previous period, one query for both (`compared:` rows). Target: p95 <= 300 ms
per card on 2 cores, comparison included.

Usage: python bench/dashboards.py [--days 30] [--calls-per-day 1000000] [--runs 20] [--dir D]
    [--rebuild]
With `--dir`, a warehouse loaded there before is reused (no simulation); `--rebuild` builds its
dwh tables again first (after an upgrade that adds tables or columns).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from loupe.dashboards.comparison import compares, run_compared
from loupe.dashboards.definitions import load_dashboards, resolve_values, run_card
from loupe.history.run import snapshot_each_commit, take_snapshot
from loupe.ingest.writer import open_writer
from loupe.jobs.run import build_days, days_between
from loupe.schema.ddl import DDL
from loupe.schema.init import initialise
from loupe.schema.migrate import migrate
from loupe.settings import load_settings
from loupe.simulate import SimulationOptions, WriterOutput, run_simulation
from loupe.warehouse import open_warehouse

START = date(2026, 10, 20)
CALLS_PER_VISIT = 9.5  # the simulator's default mix


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--calls-per-day", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--dir", type=Path, help="Keep the warehouse here; reuse it (no simulation) if loaded."
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="Build the dwh tables of a reused warehouse again."
    )
    args = parser.parse_args()
    directory = args.dir or Path(tempfile.mkdtemp(prefix="loupe-bench-dash-"))
    shop = directory / "shop.sqlite"
    settings = load_settings(
        data_dir=directory / "wh", spool_dir=directory / "spool", production_url=f"sqlite:///{shop}"
    )
    last = START + timedelta(days=args.days - 1)
    timings: dict[str, list[float]] = {}
    try:
        with open_warehouse(settings) as warehouse:
            migrate(warehouse, DDL())
            started = time.perf_counter()
            loaded = warehouse.scalar("SELECT count() FROM pd.api_calls") > 0
            options = SimulationOptions(
                days=args.days,
                start=START,
                visits_per_day=int(args.calls_per_day / CALLS_PER_VISIT),
                truth_dir=directory / "truth",
                db_url=f"sqlite:///{shop}",
                replace_db=True,  # the bench's own file
            )
            if not loaded:
                output = WriterOutput(open_writer(settings, warehouse, source="bench"))
                try:
                    run_simulation(
                        options, output, on_commit=snapshot_each_commit(settings, warehouse)
                    )
                finally:
                    output.close()
            load_s = time.perf_counter() - started
            if not loaded or args.rebuild:
                build_days(warehouse, settings, days_between(START, last + timedelta(days=1)))
                initialise(settings, warehouse)
                take_snapshot(settings, warehouse, reconcile_days=args.days)
            build_s = time.perf_counter() - started - load_s
            calls = warehouse.scalar("SELECT count() FROM pd.api_calls")
            visits = warehouse.scalar("SELECT count() FROM dwh.sessions")
            for dashboard in load_dashboards():
                values = resolve_values(
                    dashboard, warehouse, {"start": START.isoformat(), "end": last.isoformat()}
                )
                for card in dashboard.cards:
                    samples = []
                    for _ in range(args.runs):
                        clock = time.perf_counter()
                        result = run_card(warehouse, dashboard, card, values)
                        samples.append((time.perf_counter() - clock) * 1000)
                        if result.error:
                            raise SystemExit(f"{dashboard.slug}/{card.id}: {result.error}")
                    timings[f"{dashboard.slug}/{card.id}"] = samples
                half = {**values, "start": (START + timedelta(days=args.days // 2)).isoformat()}
                for card in filter(compares, dashboard.cards):
                    samples = []
                    for _ in range(args.runs):
                        clock = time.perf_counter()
                        result, previous = run_compared(warehouse, dashboard, card, half)
                        samples.append((time.perf_counter() - clock) * 1000)
                        if result.error or previous.result is None:
                            raise SystemExit(f"{dashboard.slug}/{card.id}: no comparison")
                    timings[f"compared: {dashboard.slug}/{card.id}"] = samples
    finally:
        if not args.dir:
            shutil.rmtree(directory, ignore_errors=True)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(
        f"{args.days} days, {calls:,} calls, {visits:,} visits "
        f"(simulated and loaded in {load_s:.0f} s, built in {build_s:.0f} s)"
    )
    print(f"{'card':50} {'p50 ms':>8} {'p95 ms':>8}")
    worst = 0.0
    for name, samples in timings.items():
        p95 = percentile(samples, 0.95)
        worst = max(worst, p95)
        print(f"{name:50} {statistics.median(samples):8.1f} {p95:8.1f}")
    print(f"worst p95: {worst:.1f} ms (target <= 300 ms)")


if __name__ == "__main__":
    main()
