"""Ingestion commands: `loupe ingest FILE...` and `loupe collect`."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Annotated

import typer

from loupe.cli.app import Verbose, app, console, progress_bar, setup, stop_on_sigterm, warehouse_for
from loupe.errors import LoupeError
from loupe.ingest.collector import require_schema, run_collector
from loupe.ingest.files import IngestResult, ingest_files, uncompressed_size
from loupe.ingest.sinks import WarehouseSink
from loupe.ingest.tally import Tally, TallyingSink
from loupe.ingest.writer import open_writer


@app.command()
def ingest(
    files: Annotated[
        list[Path], typer.Argument(help="NDJSON or JSON-array files of API-call records (.gz ok).")
    ],
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when any record was rejected.")
    ] = False,
    verbose: Verbose = False,
) -> None:
    """Load files of API-call records into pd.api_calls: counts new, already present, rejected."""
    settings = setup(verbose)
    stop_on_sigterm()
    total = sum(uncompressed_size(path) for path in files if path.is_file())
    with warehouse_for(settings) as warehouse:
        require_schema(warehouse)
        sink = TallyingSink(WarehouseSink(warehouse), warehouse)
        with (
            progress_bar(in_bytes=True) as progress,
            open_writer(settings, warehouse, source="ingest", sink=sink) as writer,
        ):
            task = progress.add_task("ingesting", total=total or None)
            result = ingest_files(files, writer, lambda n: progress.advance(task, n))
    _print_result(result, sink.tally)
    if strict and result.rejected:
        raise LoupeError(
            f"{result.rejected} of {result.accepted + result.rejected} records rejected "
            f"(--strict); the other {result.accepted} are in pd.api_calls"
        )


def _print_result(result: IngestResult, tally: Tally) -> None:
    """One summary line, then the rejections by reason with the start of a payload of each."""
    records = result.accepted + result.rejected + result.erased
    if tally.known:
        stored = f"{tally.new} new, {tally.present} already present"
    else:
        stored = f"{result.accepted} accepted (new or already present: unknown)"
    spooled = "; some spooled: the warehouse was unavailable" if result.spooled else ""
    erased = f", {result.erased} dropped (erased persons)" if result.erased else ""
    console.print(
        f"{result.files} file(s), {records} records: {stored}, {result.rejected} rejected"
        f"{erased}{spooled}",
        highlight=False,
        soft_wrap=True,
    )
    if not result.rejected:
        return
    console.print("rejected (kept with the reason in pd.api_calls_rejected):", highlight=False)
    for reason, count, sample in tally.first_reasons():
        console.print(
            f"  {count} x {reason}; first: {sample!r}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    if len(tally.reasons) > 5:
        console.print(f"  ... and {len(tally.reasons) - 5} other reasons", highlight=False)


@app.command()
def collect(verbose: Verbose = False) -> None:
    """Run the collector: POST /v1/api-calls over HTTP into the warehouse (until stopped)."""
    from loupe.interface import serve_interface  # chDB and uvicorn: only when serving

    settings = setup(verbose)
    exit_zero_on_stop_signals()
    with warehouse_for(settings) as warehouse, serve_interface(settings, warehouse):
        run_collector(settings, warehouse)


def exit_zero_on_stop_signals() -> None:
    """SIGTERM and SIGINT end the command with exit code 0 (as `loupe serve`): they are how a
    service is stopped, not a failure.

    uvicorn takes both signals while it serves, shuts down gracefully (the writer flushes), then
    puts these handlers back and raises the signal again: the `SystemExit(0)` raised here then
    unwinds the `with` blocks, which close the warehouse. A signal before uvicorn serves takes
    the same way out.
    """

    def _exit(signum: int, frame: object) -> None:
        raise SystemExit(0)

    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, _exit)
