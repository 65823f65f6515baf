"""`loupe serve`: the collector and the scheduler in one process, around one open warehouse.

For the embedded engine, where one process owns the warehouse; it also serves ClickHouse's HTTP
interface over it (loupe.interface). The collector (uvicorn) runs in
the main thread and the scheduler in a background thread; both share one `open_warehouse`. The
HTTP server adds `GET /status` (the `loupe status --json` report, which `loupe status` fetches
when the warehouse is locked by this process) to the collector's routes, whose `/metrics` also
shows the scheduler's metrics. SIGTERM stops both: uvicorn finishes its requests, the scheduler
stops at its next statement, then the writer flushes and the warehouse closes.
"""

from __future__ import annotations

import logging
import threading
from contextlib import ExitStack

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route

from loupe.dashboards.web import create_dashboards_app
from loupe.errors import ConfigError
from loupe.ingest.collector import collector_writer, create_collector_app, require_schema
from loupe.scheduler.options import SchedulerOptions
from loupe.scheduler.runner import build_scheduler, log_runs, require_ledger, stop_on_signals
from loupe.scheduler.specs import JobSpec
from loupe.scheduler.status import build_report
from loupe.settings import Settings
from loupe.warehouse import Warehouse, open_warehouse

log = logging.getLogger("loupe.serve")


def status_route(
    warehouse: Warehouse, settings: Settings, specs: list[JobSpec], default_max_lag: float
) -> Route:
    """`GET /status[?max_lag_minutes=N]`: the status report as JSON (200 healthy, else 503)."""

    async def status(request: Request) -> Response:
        try:
            max_lag = float(request.query_params.get("max_lag_minutes", default_max_lag))
        except ValueError:
            return JSONResponse({"error": "max_lag_minutes must be a number"}, status_code=400)
        report = await run_in_threadpool(build_report, warehouse, settings, specs, max_lag)
        return JSONResponse(report, status_code=200 if report["healthy"] else 503)

    return Route("/status", status, methods=["GET"])


def serve(settings: Settings, options: SchedulerOptions) -> None:
    """Run the collector and the scheduler until SIGTERM/SIGINT."""
    token = settings.collector_token.get_secret_value()
    if not token:
        raise ConfigError("set LOUPE_COLLECTOR_TOKEN: the collector refuses requests without it")
    stop = threading.Event()
    with open_warehouse(settings) as warehouse, ExitStack() as interface:
        require_schema(warehouse)
        require_ledger(warehouse)
        log_runs()
        # ClickHouse's HTTP interface over this warehouse, for BI tools and Loupe's commands.
        from loupe.interface import serve_interface  # chDB and uvicorn: only when serving

        interface.enter_context(serve_interface(settings, warehouse))
        writer = collector_writer(settings, warehouse)
        try:
            scheduler = build_scheduler(warehouse, settings, options, stop)
            collector = create_collector_app(writer, token, settings.collector_max_body_bytes)
            app = Starlette(
                routes=[
                    status_route(warehouse, settings, scheduler.specs, options.max_lag_minutes),
                    Route("/dashboards", lambda request: RedirectResponse("/dashboards/")),
                    Mount(
                        "/dashboards",
                        app=create_dashboards_app(warehouse, currency=settings.currency),
                    ),
                    Mount("/", app=collector),
                ]
            )
            thread = threading.Thread(target=scheduler.run_forever, name="scheduler")
            thread.start()
            # Our handlers first: uvicorn restores them after its shutdown and re-raises the
            # signal it caught, which then only sets `stop` instead of killing the process.
            stop_on_signals(stop)
            server = uvicorn.Server(
                uvicorn.Config(
                    app,
                    host=settings.collector_host,
                    port=settings.collector_port,
                    log_level="info",
                    access_log=False,
                    lifespan="off",
                )
            )
            try:
                server.run()
            finally:
                stop.set()
                thread.join()
        finally:
            writer.close()
    log.info("loupe serve stopped")
