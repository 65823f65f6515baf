"""ETL commands: `loupe etl run|hourly|audit` and the one-job rebuilds (`loupe etl sessions`...)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Annotated, TypeVar

import typer
from rich.progress import Progress

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
from loupe.cli.params import parse_date
from loupe.errors import LoupeError
from loupe.job_runs import day_bounds
from loupe.jobs.audit import AuditResult, run_audits, select_audits
from loupe.jobs.hourly import run_hourly
from loupe.jobs.registry import plan
from loupe.jobs.run import JobResult, build_days, days_between, days_without_calls
from loupe.jobs.user_agents import reclassify_user_agents, update_user_agents
from loupe.retention import refuse_days_past_retention
from loupe.scheduler.lease import etl_lease
from loupe.schema.ddl import DDL
from loupe.schema.migrate import require_migrated
from loupe.settings import Settings
from loupe.warehouse import Warehouse

T = TypeVar("T")

etl_app = typer.Typer(help="Build the analytical tables in dwh from pd.api_calls.")
app.add_typer(etl_app, name="etl")

DateOption = Annotated[
    date | None,
    typer.Option("--date", parser=parse_date, metavar="YYYY-MM-DD", help="One business day."),
]
FromOption = Annotated[
    date | None,
    typer.Option("--from", parser=parse_date, metavar="YYYY-MM-DD", help="First day of a range."),
]
ToOption = Annotated[
    date | None,
    typer.Option("--to", parser=parse_date, metavar="YYYY-MM-DD", help="Last day of a range."),
]
AllowEmpty = Annotated[
    bool,
    typer.Option(
        "--allow-empty", help="Accept days without calls (otherwise named, and exit code 1)."
    ),
]


def _days(day: date | None, first: date | None, last: date | None) -> list[date]:
    if day and (first or last):
        raise UsageError("give --date, or --from and --to, not both")
    if day:
        return [day]
    if first and last:
        if last < first:
            raise UsageError(f"--to {last} is before --from {first}")
        return days_between(first, last)
    if first or last:
        raise UsageError("--from and --to go together")
    yesterday = datetime.now(timezone.utc).date() - timedelta(days=1)
    return [yesterday]


def _named(
    select: Callable[[list[str] | None], list[T]], names: list[str] | None, option: str
) -> list[T]:
    """The jobs or audits `names` picks; an unknown name is a usage error of `option`."""
    try:
        return select(names)
    except LoupeError as exc:
        if not names or "unknown" not in str(exc):
            raise
        raise typer.BadParameter(str(exc), param_hint=f"'{option}'") from exc


def _spans(days: list[date]) -> str:
    """Days as runs of consecutive days: `2026-11-11..2026-11-13, 2026-11-20`."""
    runs: list[list[date]] = []
    for day in days:
        if runs and day - runs[-1][-1] == timedelta(days=1):
            runs[-1].append(day)
        else:
            runs.append([day])
    return ", ".join(f"{r[0]}..{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def require_calls(
    warehouse: Warehouse, settings: Settings, days: list[date], allow_empty: bool, verb: str
) -> None:
    """Refuse days without calls (success reported on nothing) unless `--allow-empty`.

    `verb` is what the command does to a day ("build", "audit"). The scheduler's runs do not come
    here: an hour or a night without calls is normal for them.
    """
    empty = [] if allow_empty else days_without_calls(warehouse, settings, days)
    if not empty:
        return
    if len(days) == 1:
        which, them = f"{empty[0]}", "it"
    else:
        which, them = f"{len(empty)} of {len(days)} days ({_spans(empty)})", "them"
    raise LoupeError(
        f"no calls in pd.api_calls on {which}, timezone {settings.timezone}: nothing to {verb}; "
        f"--allow-empty {verb}s {them} anyway"
    )


def _run_days(
    days: list[date], jobs: list[str] | None, verbose: bool, allow_empty: bool = False
) -> None:
    settings = setup(verbose)
    refuse_days_past_retention(settings, days, datetime.now(timezone.utc))
    stop_on_sigterm()
    steps = _named(plan, jobs, "--jobs")
    with warehouse_for(settings) as warehouse:
        require_migrated(warehouse, DDL(settings.cluster))
        require_calls(warehouse, settings, days, allow_empty, "build")
        with etl_lease(warehouse, settings), progress_bar() as progress:
            _build_with_progress(warehouse, settings, days, jobs, progress, len(steps))


def _build_with_progress(
    warehouse: Warehouse,
    settings: Settings,
    days: list[date],
    jobs: list[str] | None,
    progress: Progress,
    steps: int,
) -> None:
    """Build the days, advancing the progress bar by job and printing each day's rows."""
    task = progress.add_task("building", total=len(days) * steps)

    def day_done(day: date, results: list[JobResult]) -> None:
        written = ", ".join(f"{r.job} {r.rows}" for r in results if r.job != "visit_calls")
        console.print(f"{day}: {written}", highlight=False, soft_wrap=True)

    build_days(
        warehouse,
        settings,
        days,
        jobs,
        on_day=day_done,
        on_job=lambda result: progress.update(
            task, advance=1, description=f"{result.day} {result.job}"
        ),
    )


@etl_app.command("run")
def run_command(
    day: DateOption = None,
    first: FromOption = None,
    last: ToOption = None,
    jobs: Annotated[
        list[str] | None, typer.Option("--jobs", help="Only these jobs (and what they read).")
    ] = None,
    allow_empty: AllowEmpty = False,
    verbose: Verbose = False,
) -> None:
    """Rebuild whole days (default: yesterday) for all jobs or --jobs; idempotent."""
    _run_days(_days(day, first, last), jobs, verbose, allow_empty)


@etl_app.command("sessions")
def sessions_command(
    day: DateOption = None, allow_empty: AllowEmpty = False, verbose: Verbose = False
) -> None:
    """Rebuild dwh.sessions (visits) for a day."""
    _run_days(_days(day, None, None), ["sessions"], verbose, allow_empty)


@etl_app.command("catalog-sessions")
def catalog_sessions_command(
    day: DateOption = None, allow_empty: AllowEmpty = False, verbose: Verbose = False
) -> None:
    """Rebuild dwh.catalog_sessions (and the visits it reads) for a day."""
    _run_days(_days(day, None, None), ["catalog_sessions"], verbose, allow_empty)


@etl_app.command("product-sessions")
def product_sessions_command(
    day: DateOption = None, allow_empty: AllowEmpty = False, verbose: Verbose = False
) -> None:
    """Rebuild dwh.product_sessions (and the visits it reads) for a day."""
    _run_days(_days(day, None, None), ["product_sessions"], verbose, allow_empty)


@etl_app.command("user-agents")
def user_agents_command(
    day: DateOption = None,
    first: FromOption = None,
    last: ToOption = None,
    reclassify: Annotated[
        bool,
        typer.Option(
            "--reclassify",
            help="Parse every known agent again (after a classifier upgrade); the nightly run "
            "rebuilds the days whose visits change.",
        ),
    ] = False,
    verbose: Verbose = False,
) -> None:
    """Parse user agents not seen before (calls of the given days) into dwh.user_agents."""
    settings = setup(verbose)
    if reclassify:
        with warehouse_for(settings) as warehouse:
            done = reclassify_user_agents(warehouse, settings.timezone)
        days = f"{done.days[0]}..{done.days[-1]}" if done.days else "none"
        console.print(
            f"{done.agents} user agents parsed again, {done.changed} changed; days to rebuild "
            f"({len(done.days)}): {days}; the nightly run rebuilds them, or `loupe etl run`",
            highlight=False,
        )
        return
    days = _days(day, first, last)
    start, _ = day_bounds(days[0], settings.timezone)
    _, end = day_bounds(days[-1], settings.timezone)
    with warehouse_for(settings) as warehouse:
        added = update_user_agents(warehouse, start, end)
    console.print(f"{added} new user agents parsed")


@etl_app.command("hourly")
def hourly_command(
    lookback_hours: Annotated[
        float, typer.Option("--lookback-hours", help="How late a call may be and still count.")
    ] = 6.0,
    verbose: Verbose = False,
) -> None:
    """Process calls received since the last hourly run (touched visits only)."""
    settings = setup(verbose)
    stop_on_sigterm()
    with warehouse_for(settings) as warehouse:
        require_migrated(warehouse, DDL(settings.cluster))
        with etl_lease(warehouse, settings):
            result = run_hourly(warehouse, settings, timedelta(hours=lookback_hours))
    days = ", ".join(str(day) for day in result.days) or "none"
    console.print(
        f"{result.calls} new calls in {result.sessions} sessions; days rebuilt: {days}",
        highlight=False,
    )


@etl_app.command("audit")
def audit_command(
    day: DateOption = None,
    first: FromOption = None,
    last: ToOption = None,
    audits: Annotated[
        list[str] | None, typer.Option("--audit", help="Only these audits (by file name).")
    ] = None,
    allow_empty: AllowEmpty = False,
    verbose: Verbose = False,
) -> None:
    """Check built days (default: yesterday) against the data audits; exit 1 if any fails."""
    settings = setup(verbose)
    days = _days(day, first, last)
    _named(select_audits, audits, "--audit")
    with warehouse_for(settings) as warehouse:
        require_migrated(warehouse, DDL(settings.cluster))
        require_calls(warehouse, settings, days, allow_empty, "audit")
        # Under the ETL's lease, as the scheduler's audits: no build swaps a day while they read.
        with etl_lease(warehouse, settings), progress_bar() as progress:
            results = _audit_with_progress(warehouse, settings, days, audits, progress)
    failed = [result for result in results if not result.passed]
    console.print(
        f"{len(results) - len(failed)} of {len(results)} audits passed "
        f"({len(results) // len(days)} audits, {len(days)} day(s))",
        highlight=False,
    )
    for result in failed:
        console.print(
            f"failed: {result.audit} on {result.day}: {result.offending_rows} offending rows "
            f"({result.description}); first rows:",
            highlight=False,
            soft_wrap=True,
        )
        for row in result.sample:
            console.print(f"  {row}", highlight=False, soft_wrap=True)
    if failed:
        raise typer.Exit(1)


def _audit_with_progress(
    warehouse: Warehouse,
    settings: Settings,
    days: list[date],
    audits: list[str] | None,
    progress: Progress,
) -> list[AuditResult]:
    """Run the audits over the days, advancing the progress bar by audit."""
    task = progress.add_task("auditing", total=len(days) * len(select_audits(audits)))
    return run_audits(
        warehouse,
        settings,
        days,
        audits,
        on_result=lambda result: progress.update(
            task, advance=1, description=f"{result.day} {result.audit}"
        ),
    )
