"""`loupe simulate`: generate shop traffic into NDJSON files, the warehouse or a collector."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from loupe.cli.app import (
    UsageError,
    Verbose,
    app,
    console,
    setup,
    stop_on_sigterm,
    warehouse_for,
)
from loupe.cli.params import parse_timezone
from loupe.settings import Settings
from loupe.simulate import (
    CallOutput,
    NdjsonOutput,
    SimulationOptions,
    SimulationSummary,
    WriterOutput,
    run_simulation,
)
from loupe.simulate.shopdb import existing_tables, refuse_tables


def _date(value: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as exc:
        raise typer.BadParameter(
            f"{value!r} is not a YYYY-MM-DD date", param_hint="--start"
        ) from exc


@app.command()
def simulate(
    days: Annotated[int, typer.Option(min=1, help="Days of traffic.")] = 7,
    start: Annotated[
        str, typer.Option(help="First day (YYYY-MM-DD), in --timezone.")
    ] = "2026-11-16",
    visits_per_day: Annotated[int, typer.Option(min=1, help="Average visits a day.")] = 1_000,
    seed: Annotated[int, typer.Option(help="Seed: same seed and options, same outputs.")] = 42,
    timezone: Annotated[
        str | None,
        typer.Option(parser=parse_timezone, help="Timezone of days (default: settings.timezone)."),
    ] = None,
    items: Annotated[int, typer.Option(min=50, help="Catalog size.")] = 3_000,
    db: Annotated[
        str | None,
        typer.Option(
            help="Write a simulated production database here (sqlite:///path or mysql://...); "
            "without it, none is written.",
        ),
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Let --db drop and recreate the shop's tables of a database that has tables.",
        ),
    ] = False,
    out: Annotated[
        Path | None, typer.Option(help="Write NDJSON files here instead of the warehouse.")
    ] = None,
    gzip: Annotated[bool, typer.Option("--gzip", help="Gzip the NDJSON files.")] = False,
    collector: Annotated[
        str | None, typer.Option(help="Post to this Loupe collector URL instead.")
    ] = None,
    token: Annotated[str, typer.Option(help="Bearer token of --collector.")] = "",
    truth: Annotated[
        Path | None,
        typer.Option(help="Truth directory (default: OUT/truth, else .loupe/truth/seed-SEED)."),
    ] = None,
    verbose: Verbose = False,
) -> None:
    """Simulate the shop: API calls, the ground truth of the run, and with --db a shop database."""
    settings = setup(verbose)
    stop_on_sigterm()
    _check_database(db, replace)
    options = SimulationOptions(
        days=days,
        start=_date(start),
        visits_per_day=visits_per_day,
        seed=seed,
        timezone=timezone or settings.timezone,
        items=items,
        db_url=db or None,
        replace_db=replace,
        truth_dir=truth or (out / "truth" if out else Path(".loupe/truth") / f"seed-{seed}"),
    )
    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    with progress, _output(settings, out, gzip, collector, token, options) as output:
        task = progress.add_task("visits", total=None)
        summary = run_simulation(
            options, output, lambda done, total: progress.update(task, completed=done, total=total)
        )
    _print_summary(summary, out, collector)


def _check_database(db: str | None, replace: bool) -> None:
    """Refuse, before anything is written, a --db that has tables without --replace.

    The production database is never written unless named for this run: a shop's real one
    must not be dropped by a simulation (`production_url` is not a default for --db).
    """
    if db is None:
        if replace:
            raise UsageError("--replace applies to the database of --db, and none was given")
        return
    try:
        tables = existing_tables(db)
    except ValueError as exc:
        raise UsageError(f"--db: {exc}") from None
    if tables and not replace:
        raise UsageError(f"--db {refuse_tables(db, tables)}")


@contextmanager
def _output(
    settings: Settings,
    out: Path | None,
    compress: bool,
    collector: str | None,
    token: str,
    options: SimulationOptions,
) -> Iterator[CallOutput]:
    if out is not None:
        yield NdjsonOutput(out, options.timezone, compress=compress)
        return
    from loupe.ingest.writer import BatchWriter, open_writer

    if collector is not None:
        from loupe.ingest.sinks import CollectorSink

        yield WriterOutput(BatchWriter(CollectorSink(collector, token)))
        return
    from loupe.ingest.collector import require_schema

    with warehouse_for(settings) as warehouse:
        require_schema(warehouse)
        yield WriterOutput(open_writer(settings, warehouse, source="simulate"))


def _print_summary(summary: SimulationSummary, out: Path | None, collector: str | None) -> None:
    where = f"{out}" if out else (collector or "the warehouse (pd.api_calls)")
    console.print(
        f"{summary.days} days: {summary.visits:,} visits, {summary.calls:,} calls "
        f"({summary.duplicates:,} duplicated, {summary.late_calls:,} late) -> {where}"
    )
    console.print(f"orders: {summary.orders:,}, revenue: {summary.revenue:,}")
    console.print(f"truth: {summary.truth_dir}")
    console.print(f"production database: {summary.db_url or 'none'}")
