"""`loupe dashboards`: serve the built-in dashboards as web pages until SIGTERM."""

from __future__ import annotations

import signal
from typing import Annotated

import typer

from loupe import sqlfiles
from loupe.cli.app import Verbose, app, console, setup, warehouse_for
from loupe.cli.params import PORT_MAX
from loupe.errors import LoupeError

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@app.command("dashboards")
def dashboards_command(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (default: loopback only).")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=1, max=PORT_MAX, help="Port to listen on.")
    ] = 8788,
    verbose: Verbose = False,
) -> None:
    """Serve the dashboards (charts, tables, filters in the URL) over HTTP, until SIGTERM."""
    import uvicorn

    from loupe.dashboards.web import create_dashboards_app
    from loupe.interface import serve_interface

    settings = setup(verbose)
    with warehouse_for(settings) as warehouse, serve_interface(settings, warehouse):
        if not warehouse.scalar(
            sqlfiles.load("loupe", "table_exists"), {"d": "dwh", "n": "sessions"}
        ):
            raise LoupeError("the warehouse has no dwh tables: run `loupe init` first")
        web = create_dashboards_app(warehouse, currency=settings.currency)
        console.print(f"dashboards on http://{host}:{port}/ (Ctrl-C or SIGTERM stops)")
        server = uvicorn.Server(
            uvicorn.Config(
                web, host=host, port=port, log_level="info", access_log=False, lifespan="off"
            )
        )
        # uvicorn handles SIGTERM/SIGINT while it runs, then re-raises the signal it caught: these
        # handlers make that a no-op, so the warehouse closes and the command exits 0.
        previous = {sig: signal.signal(sig, lambda *_: None) for sig in STOP_SIGNALS}
        try:
            server.run()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if not server.started:
            raise LoupeError(f"could not serve on {host}:{port} (see the log above)")
    console.print("dashboards stopped")
