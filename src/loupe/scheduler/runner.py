"""Starting the scheduler for `loupe run` (alone) and `loupe serve` (beside the collector)."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime, timedelta, timezone

from prometheus_client import start_http_server

from loupe.errors import LoupeError
from loupe.scheduler.ledger import sql
from loupe.scheduler.options import SchedulerOptions
from loupe.scheduler.scheduler import Scheduler
from loupe.scheduler.specs import default_specs, production_linked
from loupe.scheduler.status import table_freshness
from loupe.settings import Settings
from loupe.warehouse import Warehouse

log = logging.getLogger("loupe.scheduler")


def require_ledger(warehouse: Warehouse) -> None:
    """Fail clearly when the scheduler's tables (migration 0040) are missing."""
    found = warehouse.scalar(sql("scheduler_tables"))
    if found != 2:
        raise LoupeError("the warehouse has no scheduler tables: run `loupe migrate` first")


def build_scheduler(
    warehouse: Warehouse, settings: Settings, options: SchedulerOptions, stop: threading.Event
) -> Scheduler:
    """The scheduler of Loupe's default jobs, refreshing the table-lag gauges after each pass."""

    def refresh_lag() -> None:
        try:
            table_freshness(
                warehouse, datetime.now(timezone.utc), timedelta(minutes=options.max_lag_minutes)
            )
        except Exception as exc:  # metrics must never stop the jobs
            log.warning("could not measure table lag: %s", exc)

    specs = default_specs(settings, options, production_linked(warehouse))
    return Scheduler(warehouse, specs, options, stop=stop, on_tick=refresh_lag)


def log_runs() -> None:
    """Log each run at INFO (the default level shows warnings only): services need the record."""
    for name in ("loupe.scheduler", "loupe.serve"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)


def stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM and SIGINT set `stop`: the running job ends at its next statement."""

    def handler(signum: int, frame: object) -> None:
        if not stop.is_set():
            log.info(
                "%s received: stopping after the current statement", signal.Signals(signum).name
            )
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def run_scheduler(
    warehouse: Warehouse, settings: Settings, options: SchedulerOptions, once: bool
) -> Scheduler:
    """`loupe run`: tick once, or until SIGTERM, serving /metrics on the metrics port if set."""
    require_ledger(warehouse)
    log_runs()
    stop = threading.Event()
    stop_on_signals(stop)
    scheduler = build_scheduler(warehouse, settings, options, stop)
    if once:
        scheduler.release_dead_leases()
        scheduler.tick()
        return scheduler
    if options.metrics_port:
        start_http_server(options.metrics_port, addr=options.metrics_host)
        log.info("metrics on http://%s:%d/metrics", options.metrics_host, options.metrics_port)
    scheduler.run_forever()
    return scheduler
