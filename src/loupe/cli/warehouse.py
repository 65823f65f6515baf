"""Warehouse commands: `loupe init`, `loupe migrate`, `loupe sql`, `loupe retention`."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from typing import Annotated

import typer
from rich.table import Table

from loupe.cli.app import Verbose, app, console, setup, warehouse_for
from loupe.errors import LoupeError, QueryError
from loupe.scheduler.lease import etl_lease
from loupe.scheduler.retention import run_retention
from loupe.schema.ddl import DDL
from loupe.schema.init import initialise
from loupe.schema.migrate import migrate, pending, render_all, require_migrated


@app.command()
def init(verbose: Verbose = False) -> None:
    """Create the schemas (apply migrations) and link the production database as `mysql`."""
    settings = setup(verbose)
    with warehouse_for(settings) as warehouse:
        report = initialise(settings, warehouse)
    where = settings.data_dir if settings.engine == "embedded" else settings.clickhouse_host
    console.print(f"warehouse ready ({settings.engine}: {where})")
    console.print(f"migrations applied: {', '.join(report.applied) or 'none (up to date)'}")
    console.print(f"production link `mysql`: {report.link}", highlight=False)
    if report.linked_tables:
        console.print(f"  tables: {', '.join(report.linked_tables)}")
    if report.live_views:
        console.print(f"live inventory views: {', '.join(report.live_views)}")


@app.command("migrate")
def migrate_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the pending migrations; apply nothing.")
    ] = False,
    print_sql: Annotated[
        bool,
        typer.Option("--print-sql", help="Print every statement rendered for the settings."),
    ] = False,
    verbose: Verbose = False,
) -> None:
    """Apply pending schema migrations (forward-only, checksum-guarded)."""
    settings = setup(verbose)
    ddl = DDL(settings.cluster)
    if print_sql:
        for statement in render_all(ddl):
            console.print(statement + ";\n", highlight=False, markup=False)
        return
    with warehouse_for(settings) as warehouse:
        if dry_run:
            todo = pending(warehouse, ddl)
            console.print(f"pending: {', '.join(m.name for m in todo) or 'none'}")
            return
        applied = migrate(warehouse, ddl)
    console.print(f"applied: {', '.join(m.name for m in applied) or 'none (up to date)'}")


@app.command()
def retention(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be dropped; drop nothing.")
    ] = False,
    verbose: Verbose = False,
) -> None:
    """Drop the days older than `keep_raw_days`, `keep_dwh_days`, `keep_history_days` keep."""
    settings = setup(verbose)
    with warehouse_for(settings) as warehouse:
        require_migrated(warehouse, DDL(settings.cluster))
        with etl_lease(warehouse, settings):
            result = run_retention(warehouse, settings, datetime.now(timezone.utc), dry_run)
    console.print(result.summary(), highlight=False, soft_wrap=True)


def _parse_params(values: list[str]) -> dict[str, str]:
    params = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise LoupeError(f"--param expects name=value, got {item!r}")
        params[name] = value
    return params


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="The SQL to run; bind values with {name:Type}.")],
    output_format: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help="A ClickHouse output format (CSV, JSONEachRow, Pretty...)."
        ),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="A query parameter, name=value (repeatable)."),
    ] = None,
    verbose: Verbose = False,
) -> None:
    """Run a query and print its result (a table by default, or any ClickHouse format)."""
    settings = setup(verbose)
    params = _parse_params(param or [])
    with warehouse_for(settings) as warehouse:
        if output_format:
            try:
                output = warehouse.query_bytes(query, output_format, params)
            except QueryError as exc:
                if "UNKNOWN_FORMAT" in str(exc) and output_format in str(
                    exc
                ):  # a usage error, named as one (exit code 2)
                    raise typer.BadParameter(
                        f"{output_format!r} is not a ClickHouse output format "
                        "(CSV, TSV, JSONEachRow, Parquet, Pretty...)",
                        param_hint="'--format'",
                    ) from exc
                raise
            sys.stdout.buffer.write(output)
            sys.stdout.flush()
            return
        result = warehouse.query(query, params)
    table = Table(*result.column_names, show_lines=False)
    for row in result.to_pylist():
        table.add_row(*("" if value is None else str(value) for value in row.values()))
    console.print(table)
    console.print(f"{result.num_rows} rows", style="dim")
