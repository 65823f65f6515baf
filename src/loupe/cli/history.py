"""`loupe snapshot`: versioned history of the production database, live views, copies, checks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from loupe.cli.app import Verbose, app, console, setup, stop_on_sigterm, warehouse_for
from loupe.cli.params import parse_instant
from loupe.history.entities import entity_names
from loupe.history.run import take_snapshot
from loupe.scheduler.lease import command_lease


@app.command()
def snapshot(
    entities: Annotated[
        list[str] | None,
        typer.Option(
            "--entities",
            help="Only these entities (repeat the option or separate with commas); "
            "default: every entity of history/entities.yaml.",
        ),
    ] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full", help="Read every source row, even where only changed rows would do."
        ),
    ] = False,
    days: Annotated[
        int,
        typer.Option(
            "--days", min=1, help="Business days of orders to reconcile, ending at the newest."
        ),
    ] = 7,
    as_of: Annotated[
        datetime | None,
        typer.Option(
            "--as-of",
            parser=parse_instant,
            metavar="INSTANT",
            help="Date the new versions at this ISO instant (UTC without an offset) instead of "
            "now, for a backfill: not later than now, after every snapshot in history.",
        ),
    ] = None,
    verbose: Verbose = False,
) -> None:
    """Snapshot the production database into history, refresh dwh copies, reconcile orders."""
    settings = setup(verbose)
    stop_on_sigterm()
    names = [name.strip() for value in entities or [] for name in value.split(",") if name.strip()]
    entity_names(names)  # an unknown name is refused before the warehouse is touched
    with (
        warehouse_for(settings) as warehouse,
        command_lease(warehouse, settings, "snapshot", "snapshot"),
    ):
        # The scheduler's snapshot job takes the same lease (in a `loupe serve` too).
        report = take_snapshot(settings, warehouse, names or None, full, days, as_of)
    for result in report.snapshots:
        mode = "changed rows" if result.incremental else "all rows"
        console.print(
            f"history.{result.entity}: {result.written:,} versions written "
            f"({result.staged:,} source rows read, {mode}) in {result.seconds:.2f} s",
            highlight=False,
        )
    if report.snapshots:
        console.print(f"snapshot_id {report.snapshots[0].snapshot_id}", highlight=False)
    console.print(f"live views: {', '.join(report.views)}", highlight=False)
    copies = ", ".join(f"dwh.{name} {rows:,}" for name, rows in report.dimensions.items())
    console.print(f"copies refreshed: {copies}", highlight=False)
    if report.reconciliation is None:
        console.print("orders: none in the production database, nothing to reconcile")
        return
    table = Table("day", "logged", "in db", "matched", "logged revenue", "db revenue", "match")
    for day in report.reconciliation.days:
        table.add_row(
            day["date"],
            str(day["logged_orders"]),
            str(day["db_orders"]),
            str(day["matched"]),
            f"{day['logged_revenue']:,.0f}",
            f"{day['db_revenue']:,.0f}",
            f"{day['match_rate']:.1%}",
        )
    console.print(table)
    console.print(f"unmatched orders: {report.reconciliation.unmatched}", highlight=False)
