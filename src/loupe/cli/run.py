"""Running unattended: `loupe run` (the scheduler), `loupe serve`, `loupe status`."""

from __future__ import annotations

import json
from contextlib import nullcontext
from typing import Annotated

import httpx
import typer

from loupe.cli.app import Verbose, app, console, setup, warehouse_for
from loupe.cli.params import PORT_MAX, parse_positive
from loupe.errors import LoupeError, WarehouseLockedError
from loupe.scheduler.options import SchedulerOptions
from loupe.scheduler.render import render_text
from loupe.scheduler.runner import run_scheduler
from loupe.scheduler.serve import serve
from loupe.scheduler.specs import default_specs, production_linked
from loupe.scheduler.status import build_report
from loupe.settings import Settings

IntervalOption = Annotated[
    int | None,
    typer.Option(
        "--interval-seconds", min=1, help="Seconds between hourly-job slots (default 3600)."
    ),
]
CheckOption = Annotated[
    float | None,
    typer.Option(
        "--check-seconds",
        parser=parse_positive,
        help="Longest sleep between two scheduler passes (default 30).",
    ),
]


def _options(settings: Settings, **overrides: object) -> SchedulerOptions:
    try:
        return SchedulerOptions.from_settings(settings).with_overrides(**overrides)
    except ValueError as exc:
        raise LoupeError(str(exc)) from exc


@app.command("run")
def run_command(
    once: Annotated[
        bool, typer.Option("--once", help="Run the due slots (catch-up included) once and exit.")
    ] = False,
    interval_seconds: IntervalOption = None,
    check_seconds: CheckOption = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            "--metrics-port",
            min=0,
            max=PORT_MAX,
            help="Serve /metrics on this loopback port (0: off).",
        ),
    ] = None,
    verbose: Verbose = False,
) -> None:
    """Run the jobs on their schedules until SIGTERM, catching up missed slots first."""
    from loupe.interface import serve_interface  # chDB and uvicorn: only when serving

    settings = setup(verbose)
    options = _options(
        settings,
        interval_seconds=interval_seconds,
        check_seconds=check_seconds,
        metrics_port=metrics_port,
    )
    with (
        warehouse_for(settings) as warehouse,
        nullcontext() if once else serve_interface(settings, warehouse),
    ):
        scheduler = run_scheduler(warehouse, settings, options, once)
    if once:
        console.print(f"scheduler pass done ({', '.join(s.name for s in scheduler.specs)})")


@app.command("serve")
def serve_command(
    interval_seconds: IntervalOption = None,
    check_seconds: CheckOption = None,
    verbose: Verbose = False,
) -> None:
    """Run the collector and the scheduler in one process (embedded engine), until SIGTERM."""
    settings = setup(verbose)
    serve(
        settings, _options(settings, interval_seconds=interval_seconds, check_seconds=check_seconds)
    )


def _remote_report(base: str, max_lag: float) -> dict:
    """The report of the `loupe serve` at `base` (its /status); raises `_NoStatus` if none."""
    try:
        response = httpx.get(f"{base}/status", params={"max_lag_minutes": max_lag}, timeout=30)
    except httpx.HTTPError as exc:
        raise _NoStatus(f"{base}/status did not answer ({exc})") from exc
    if response.status_code not in (200, 503):
        raise _NoStatus(f"{base}/status answered {response.status_code}")
    return response.json()


class _NoStatus(LoupeError):
    """A URL that gives no status report."""


def _holder_report(settings: Settings, locked: WarehouseLockedError, max_lag: float) -> dict:
    """The report of the process that holds the embedded warehouse, if it is a `loupe serve`
    (the only one whose port answers /status); otherwise an error naming that process."""
    host = settings.collector_host
    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{settings.collector_port}"
    try:
        return _remote_report(base, max_lag)
    except _NoStatus as exc:
        holder = getattr(locked, "holder", "another process")
        directory = getattr(locked, "directory", settings.data_dir)
        raise LoupeError(
            f"the warehouse {directory} is in use by {holder}, and only a `loupe serve` answers "
            f"the status while it holds the warehouse ({exc}): stop that process, or run "
            "`loupe serve` in its place"
        ) from None


@app.command("status")
def status_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    max_lag_minutes: Annotated[
        float | None,
        typer.Option(
            "--max-lag-minutes",
            parser=parse_positive,
            help="Stale beyond this lag: exit code 1 (default 120).",
        ),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option("--url", help="Ask a running `loupe serve` at this URL (its /status)."),
    ] = None,
    verbose: Verbose = False,
) -> None:
    """Freshness of the tables, the jobs' runs, failures, spool and disk; exit 1 when stale."""
    settings = setup(verbose)
    options = _options(settings, max_lag_minutes=max_lag_minutes)
    if url:
        report = _remote_report(url.rstrip("/"), options.max_lag_minutes)
    else:
        try:
            with warehouse_for(settings) as warehouse:
                specs = default_specs(settings, options, production_linked(warehouse))
                report = build_report(warehouse, settings, specs, options.max_lag_minutes)
        except WarehouseLockedError as locked:
            # The embedded warehouse belongs to another process: a `loupe serve` answers instead.
            report = _holder_report(settings, locked, options.max_lag_minutes)
    if as_json:
        typer.echo(json.dumps(report, indent=2, default=str))
    else:
        console.print(render_text(report), highlight=False, markup=False, soft_wrap=True)
    if not report["healthy"]:
        raise typer.Exit(1)
