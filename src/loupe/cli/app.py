"""The `loupe` Typer application and what every command shares: `-v`, errors, settings.

Commands live in sibling modules and stay thin: parse arguments, call one function of the
package, print its result. Errors meant for users (`LoupeError`) print as one line; anything else
prints one line too, with the traceback only under `-v/--verbose`.
"""

from __future__ import annotations

import signal
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import click
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TimeElapsedColumn,
)
from typer.core import TyperGroup

from loupe import __version__
from loupe.errors import LoupeError
from loupe.logs import configure_logging, register_secret
from loupe.settings import Settings, load_settings
from loupe.warehouse import Warehouse, open_warehouse

console = Console()
err_console = Console(stderr=True)

Verbose = Annotated[
    bool, typer.Option("-v", "--verbose", help="Log each SQL statement with its time and rows.")
]


class _State:
    verbose = False


state = _State()


class LoupeGroup(TyperGroup):
    """Turns exceptions into one-line errors (tracebacks only with -v)."""

    def invoke(self, ctx: click.Context) -> Any:
        state.verbose = False  # per invocation (tests and embedders call the app repeatedly)
        try:
            return super().invoke(ctx)
        except LoupeError as exc:
            _fail(str(exc))
        except KeyboardInterrupt:
            _fail("interrupted")
        except Exception as exc:
            # Click's own control flow (help, exit codes, usage errors; typer vendors click, so
            # these come from either package) passes through untouched.
            if type(exc).__module__.split(".")[0] in ("click", "typer"):
                raise
            _fail(f"{type(exc).__name__}: {exc} (run with -v for the traceback)")

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(super().list_commands(ctx))


def _fail(message: str) -> None:
    if state.verbose:
        traceback.print_exc()
    # soft_wrap: one line however long (rich would break it at the terminal width).
    err_console.print(
        f"[bold red]error:[/] {message}", highlight=False, markup=True, soft_wrap=True
    )
    sys.exit(1)


app = typer.Typer(
    cls=LoupeGroup,
    help="Loupe: the analytics warehouse of the shop (ClickHouse: chDB embedded or a server).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        console.print(f"loupe {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    verbose: Verbose = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print version.")
    ] = False,
) -> None:
    """Loupe: the analytics warehouse of the shop."""
    setup(verbose)


def setup(verbose: bool) -> Settings:
    """Apply `-v`, load the settings and register their secrets for log redaction."""
    state.verbose = state.verbose or verbose
    configure_logging(state.verbose)
    settings = load_settings()
    for secret in (settings.clickhouse_password, settings.collector_token, settings.production_url):
        register_secret(secret.get_secret_value())
    return settings


@contextmanager
def warehouse_for(settings: Settings) -> Iterator[Warehouse]:
    """Open the configured warehouse for the duration of a command."""
    warehouse = open_warehouse(settings)
    try:
        yield warehouse
    finally:
        warehouse.close()


def stop_on_sigterm() -> None:
    """Turn SIGTERM into a clean exit, so `with` blocks flush writers before the process ends."""

    def _exit(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _exit)


def progress_bar(in_bytes: bool = False) -> Progress:
    """The progress bar of long commands: counts (or bytes), elapsed time; gone when done."""
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn() if in_bytes else MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
