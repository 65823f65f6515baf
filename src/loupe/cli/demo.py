"""`loupe demo`: the whole pipeline on a simulated week, on the embedded engine."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from loupe.cli.app import Verbose, app, console, progress_bar, setup, stop_on_sigterm, warehouse_for
from loupe.demo import run_demo


@app.command()
def demo(
    days: Annotated[int, typer.Option("--days", min=1, help="Days to simulate.")] = 7,
    visits_per_day: Annotated[
        int, typer.Option("--visits-per-day", min=1, help="Average visits a day.")
    ] = 1_000,
    seed: Annotated[int, typer.Option("--seed", help="Simulator seed.")] = 42,
    verbose: Verbose = False,
) -> None:
    """Build a demo warehouse: simulate a week of the shop and run every job on it."""
    settings = setup(verbose)
    stop_on_sigterm()
    with (
        warehouse_for(settings) as warehouse,
        progress_bar() as progress,
    ):
        tasks: dict[str, int] = {}

        def advance(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        report = run_demo(settings, warehouse, days, visits_per_day, seed, advance)
    loaded = "simulated and loaded" if report.simulated else "already loaded, reused"
    console.print(f"API calls in pd.api_calls: {report.calls:,} ({loaded})")
    console.print(f"production database linked as `mysql`: {report.link}", highlight=False)
    written = sum(r.written for s in report.snapshots for r in s.snapshots)
    console.print(f"history: {len(report.snapshots)} snapshots, {written:,} versions written")
    table = Table(
        "day",
        "visits",
        "viewed a product",
        "added to cart",
        "ordered",
        "revenue",
        title="dwh.daily_funnel (bots excluded)",
    )
    for row in report.funnel:
        table.add_row(
            row["day"],
            *(f"{row[k]:,.0f}" for k in ("visits", "viewed", "carted", "ordered", "revenue")),
        )
    console.print(table)
    failed = [result for result in report.audits if not result.passed]
    console.print(f"audits: {len(report.audits) - len(failed)} of {len(report.audits)} passed")
    for result in failed:
        console.print(f"failed: {result.audit} on {result.day}", highlight=False, soft_wrap=True)
    console.print("Explore: loupe dashboards (http://127.0.0.1:8788/), loupe status, loupe sql")
