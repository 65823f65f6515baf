"""The `loupe` Typer application and what every command shares: `-v`, errors, settings.

Commands live in sibling modules and stay thin: parse arguments, call one function of the
package, print its result. Every error prints as one `error: ...` line on stderr: usage errors
(unknown option, missing argument, bad value) with exit code 2, runtime errors (`LoupeError`,
and anything unexpected, whose traceback only `-v/--verbose` shows) with exit code 1.
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
from rich.text import Text
from typer.core import TyperGroup

try:  # typer vendors Click (typer._click) from 0.2x on: its commands raise that Click's errors
    from typer._click.exceptions import NoArgsIsHelpError, UsageError
except ImportError:  # pragma: no cover - a typer on the Click package
    from click.exceptions import NoArgsIsHelpError, UsageError

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

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        # The group's own options and arguments (`loupe --bogus`) are parsed here, before invoke.
        try:
            return super().make_context(info_name, args, parent, **extra)
        except UsageError as exc:
            _usage_error(exc)
            raise  # only help requests (`loupe` alone) come back here

    def invoke(self, ctx: click.Context) -> Any:
        state.verbose = False  # per invocation (tests and embedders call the app repeatedly)
        try:
            return super().invoke(ctx)
        except UsageError as exc:
            # Subcommands parse their arguments here; commands may raise BadParameter too.
            _usage_error(exc, " ".join(filter(None, [ctx.command_path, ctx.invoked_subcommand])))
            raise
        except LoupeError as exc:
            _fail(str(exc))
        except KeyboardInterrupt:
            _fail("interrupted")
        except Exception as exc:
            # Click's own control flow (help, exit codes; typer vendors click, so
            # these come from either package) passes through untouched.
            if type(exc).__module__.split(".")[0] in ("click", "typer"):
                raise
            _fail(f"{type(exc).__name__}: {exc} (run with -v for the traceback)")

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(super().list_commands(ctx))


def _print_error(message: str) -> None:
    # soft_wrap: one line however long (rich would break it at the terminal width); the message
    # is text, not markup (it may quote `[...]` from a user or a server).
    line = " ".join(message.split())
    err_console.print(Text.assemble(("error:", "bold red"), " ", line), soft_wrap=True)


def _fail(message: str) -> None:
    if state.verbose:
        traceback.print_exc()
    _print_error(message)
    sys.exit(1)


def _usage_error(exc: UsageError, fallback_path: str = "loupe") -> None:
    """Print a usage error as one line naming the command, and exit 2 (help requests return)."""
    if isinstance(exc, NoArgsIsHelpError):
        return  # `loupe` or a group alone: Click prints the help
    # Typer reports a failed conversion as pydantic does ("Value error, ..."): keep the message.
    message = exc.format_message().replace("Value error, ", "").rstrip(".")
    message = message[:1].lower() + message[1:]
    path = exc.ctx.command_path if exc.ctx is not None else fallback_path
    _print_error(f"{message} (see `{path} --help`)")
    sys.exit(exc.exit_code)


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
    for secret in (
        settings.clickhouse_password,
        settings.collector_token,
        settings.production_url,
        settings.scrub_hash_key,
    ):
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
    """The progress bar of long commands: counts (or bytes), elapsed time; gone when done.

    Only on a terminal: into a pipe or a file it would leave a blank line before the output.
    """
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn() if in_bytes else MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
