"""`loupe forget`: erase one person (a user, a session or an email) on request."""

from __future__ import annotations

from typing import Annotated

import typer

from loupe.cli.app import (
    UsageError,
    Verbose,
    app,
    console,
    progress_bar,
    setup,
    stop_on_sigterm,
    warehouse_for,
)
from loupe.errors import LoupeError
from loupe.privacy.erasure import forget
from loupe.privacy.subject import parse_request
from loupe.scheduler.lease import command_lease, etl_lease
from loupe.schema.ddl import DDL
from loupe.schema.migrate import require_migrated


@app.command("forget")
def forget_command(
    user: Annotated[str | None, typer.Option("--user", help="A user id.")] = None,
    session: Annotated[str | None, typer.Option("--session", help="A session id.")] = None,
    email: Annotated[
        str | None, typer.Option("--email", help="An email address (matched by its keyed hash).")
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Only count the person's rows per table; change nothing."),
    ] = False,
    verbose: Verbose = False,
) -> None:
    """Erase a person from every table, the spool and the rollups; keep them out afterwards."""
    try:  # a bad request is refused before anything is opened
        parse_request(user, session, email)
    except LoupeError as exc:
        raise UsageError(str(exc)) from exc
    settings = setup(verbose)
    stop_on_sigterm()
    with warehouse_for(settings) as warehouse:
        require_migrated(warehouse, DDL(settings.cluster))
        # No build swaps a day in, and no snapshot attaches versions, while rows are deleted.
        with (
            etl_lease(warehouse, settings),
            command_lease(warehouse, settings, "snapshot", "snapshot"),
            progress_bar() as progress,
        ):
            task = progress.add_task("counting" if dry_run else "erasing", total=None)
            report = forget(
                warehouse,
                settings,
                user,
                session,
                email,
                on_step=lambda step: progress.update(task, advance=1, description=step),
                dry_run=dry_run,
            )
    if dry_run:
        found = ", ".join(f"{name} {rows}" for name, rows in report.rows.items() if rows)
        console.print(
            f"found {report.kind} {report.key_hash}: {report.total_rows} rows "
            f"({found or 'none'}) on {len(report.rebuilt_days)} day(s) of visits; "
            f"nothing erased (--dry-run)",
            highlight=False,
            soft_wrap=True,
        )
        return
    removed = ", ".join(f"{name} {rows}" for name, rows in report.rows.items() if rows)
    rebuilt = f"; rebuilt {len(report.rebuilt_days)} day(s)" if report.rebuilt_days else ""
    kept = (
        f"; {len(report.days_not_rebuilt)} day(s) without calls not rebuilt"
        if report.days_not_rebuilt
        else ""
    )
    console.print(
        f"erased {report.kind} {report.key_hash}: {report.total_rows} rows "
        f"({removed or 'none found'}), {report.spooled} spooled{rebuilt}{kept}; "
        f"erasure {report.erasure_id}",
        highlight=False,
        soft_wrap=True,
    )
