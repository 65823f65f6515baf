"""The ETL on the server engine (clickhouse-connect over the product's ClickHouse HTTP interface,
served by a Loupe process holding a chDB warehouse) builds the tables the embedded engine builds:
full days, then an hourly run over late and repeated calls."""

from __future__ import annotations

from pathlib import Path

import pytest

from loupe.jobs.hourly import run_hourly
from loupe.settings import Settings, load_settings
from loupe.warehouse import open_warehouse
from tests.helpers.builds import build_holding_back, receive_late_and_repeated
from tests.helpers.dwh import checksums
from tests.helpers.simulation import Run, simulate
from tests.interface.holding import holding_process

# A ClickHouse HTTP server in a process of its own, and simulated days built twice.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return simulate(tmp_path_factory.mktemp("server_sim"), days=2, visits_per_day=500)


def build_with_late_calls(settings: Settings, calls_dir: Path) -> dict:
    """Ingest the calls but those after the cutoff, build every day, then receive the held-back
    calls and repeats of built ones, and run the hourly job again; the dwh tables' checksums."""
    with open_warehouse(settings) as warehouse:
        build_holding_back(warehouse, settings, calls_dir)
        run_hourly(warehouse, settings)  # the first run sets the watermark
        receive_late_and_repeated(warehouse)
        hourly = run_hourly(warehouse, settings)
        assert hourly.calls > 500 and hourly.days
        assert warehouse.scalar("SELECT count() FROM etl.affected_visits") > 0
        return checksums(warehouse)


def test_the_server_engine_builds_what_the_embedded_engine_builds(
    run: Run, tmp_path_factory: pytest.TempPathFactory
) -> None:
    calls_dir = Path(run.out_dir)
    base = tmp_path_factory.mktemp("engines")
    embedded = load_settings(
        data_dir=base / "embedded", spool_dir=base / "spool-e", production_url=""
    )
    expected = build_with_late_calls(embedded, calls_dir)
    with holding_process(base / "server") as holder:
        server = holder.server_settings(spool_dir=base / "spool-s", production_url="")
        got = build_with_late_calls(server, calls_dir)
    # Without a production database history is empty, and so is what only history fills.
    assert {table for table, (rows, _) in expected.items() if rows == 0} == {"price_changes"}
    assert got == expected
