"""`loupe demo`: a warehouse with a simulated week, built end to end, on the embedded engine.

Initialises the warehouse, simulates the shop (API calls into `pd.api_calls` through the
BatchWriter, the production database into `production_url`: by default the demo's own SQLite file
`.loupe/shop.sqlite`, replaced on every simulation; any other database only while it has no
tables, so the demo never drops a real shop's), links the production database, builds every
`dwh` table for the simulated days and audits them. Running it again reuses the loaded calls (the
same seed gives the same calls) and rebuilds the tables, which come out identical.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from loupe import sqlfiles
from loupe.errors import LoupeError
from loupe.history.run import SnapshotReport, snapshot_each_commit, take_snapshot
from loupe.ingest.writer import open_writer
from loupe.jobs.audit import AuditResult, run_audits
from loupe.jobs.run import JobResult, build_days, days_between
from loupe.schema.ddl import DDL
from loupe.schema.init import initialise
from loupe.schema.migrate import migrate
from loupe.settings import Settings
from loupe.simulate import SimulationOptions, WriterOutput, run_simulation
from loupe.simulate.shopdb import existing_tables, redact
from loupe.warehouse import Warehouse

DEMO_START = date(2026, 11, 16)
# The demo's own production database (the default production_url): the demo may replace it.
DEMO_DB_URL = Settings.model_fields["production_url"].default.get_secret_value()

SUMMARY_SQL = sqlfiles.load("loupe", "demo_summary")


def _loaded(warehouse: Warehouse) -> int:
    """How many calls pd.api_calls holds."""
    return warehouse.scalar(
        sqlfiles.load("loupe", "count_rows"), sqlfiles.names(table="pd.api_calls")
    )


@dataclass
class DemoReport:
    """What the demo did, and the daily funnel it built."""

    simulated: bool
    calls: int
    link: str
    days: list[date]
    results: list[JobResult] = field(default_factory=list)
    funnel: list[dict] = field(default_factory=list)
    snapshots: list[SnapshotReport] = field(default_factory=list)
    audits: list[AuditResult] = field(default_factory=list)


Progress = Callable[[str, int, int], None]


def run_demo(
    settings: Settings,
    warehouse: Warehouse,
    days: int = 7,
    visits_per_day: int = 1_000,
    seed: int = 42,
    progress: Progress | None = None,
) -> DemoReport:
    """Simulate `days` days from DEMO_START (unless loaded already), build and audit them."""
    # Schemas first; the production database is linked once the simulator has written it.
    migrate(warehouse, DDL(settings.cluster))
    simulated = not _loaded(warehouse)
    snapshots: list[SnapshotReport] = []
    if simulated:
        options = _simulation_options(settings, days, visits_per_day, seed)
        snapshots = _simulate(settings, warehouse, options, progress)
    report = initialise(settings, warehouse)
    first = DEMO_START
    last = DEMO_START + timedelta(days=days - 1)
    # A day after the last one too: late calls of the last day's visits can arrive then.
    build_list = days_between(first, last + timedelta(days=1))
    results = _build(settings, warehouse, build_list, progress)
    funnel = warehouse.rows(SUMMARY_SQL, {"first": first, "last": last})
    if settings.production_url.get_secret_value():
        # And one after the run: nothing new for history, but the copies and the reconciliation
        # of every simulated day now see all the calls (late ones included).
        snapshots.append(take_snapshot(settings, warehouse, reconcile_days=days))
    return DemoReport(
        simulated,
        _loaded(warehouse),
        report.link,
        build_list,
        results,
        funnel,
        snapshots,
        run_audits(warehouse, settings, build_list),
    )


def _simulation_options(
    settings: Settings, days: int, visits_per_day: int, seed: int
) -> SimulationOptions:
    """The demo's simulation, into production_url: replaced if it is the demo's own database,
    refused (`LoupeError`) if it is another one that already has tables."""
    db_url = settings.production_url.get_secret_value()
    if db_url and db_url != DEMO_DB_URL and (tables := existing_tables(db_url)):
        raise LoupeError(
            f"loupe demo writes a simulated shop into production_url, and {redact(db_url)} "
            f"already has tables ({', '.join(tables[:5])}): point production_url at an empty "
            f"database, or leave it at {DEMO_DB_URL} (the demo's own)"
        )
    return SimulationOptions(
        days=days,
        start=DEMO_START,
        visits_per_day=visits_per_day,
        seed=seed,
        timezone=settings.timezone,
        db_url=db_url or None,
        replace_db=db_url == DEMO_DB_URL,
    )


def _simulate(
    settings: Settings,
    warehouse: Warehouse,
    options: SimulationOptions,
    progress: Progress | None,
) -> list[SnapshotReport]:
    """Simulate the shop's calls into the warehouse; return the history snapshots taken as of
    each of the simulator's (at least hourly) database commits, in simulated time (none without
    a production database)."""
    snapshots: list[SnapshotReport] = []
    output = WriterOutput(open_writer(settings, warehouse, source="demo"))
    on_commit = snapshot_each_commit(settings, warehouse, snapshots) if options.db_url else None
    try:
        run_simulation(
            options,
            output,
            progress=lambda done, total: progress and progress("simulating", done, total),
            on_commit=on_commit,
        )
    finally:
        output.close()
    return snapshots


def _build(
    settings: Settings, warehouse: Warehouse, build_list: list[date], progress: Progress | None
) -> list[JobResult]:
    """Build every `dwh` table for the days, reporting each day done to `progress`."""
    done: list[date] = []

    def on_day(day: date, _: list[JobResult]) -> None:
        done.append(day)
        if progress:
            progress("building", len(done), len(build_list))

    return build_days(warehouse, settings, build_list, on_day=on_day)
