"""`loupe simulate` through Typer's CLI runner: NDJSON files, the warehouse, a collector."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
import typer
from typer.testing import CliRunner

from loupe.ingest.collector import create_collector_app
from loupe.ingest.sinks import WarehouseSink
from loupe.ingest.writer import BatchWriter
from loupe.warehouse import Warehouse
from tests.helpers.servers import serve_asgi

runner = CliRunner()


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    """The `loupe` app with `simulate` registered.

    Imported when the tests run rather than when they are collected, so the command list other
    test modules collect stays what `loupe.cli` itself registers.
    """
    import loupe.cli.simulate  # noqa: F401  (registers the command)
    from loupe.cli import app

    return app


SMALL = ["--days", "2", "--visits-per-day", "60", "--items", "200", "--start", "2026-11-20"]


def distinct_calls(truth_dir: Path) -> int:
    run_info = orjson.loads((truth_dir / "run.json").read_bytes())
    return run_info["distinct_calls"]


def test_simulate_to_ndjson_and_sqlite(app: typer.Typer, loupe_env: Path) -> None:
    result = runner.invoke(
        app,
        ["simulate", *SMALL, "--out", "out", "--gzip", "--db", "sqlite:///shop.sqlite"],
    )
    assert result.exit_code == 0, result.output
    assert "2 days:" in result.output and "-> out" in result.output
    files = sorted(path.name for path in (loupe_env / "out").glob("calls-*"))
    assert files[:2] == ["calls-2026-11-20.ndjson.gz", "calls-2026-11-21.ndjson.gz"]
    assert (loupe_env / "out" / "truth" / "visits.ndjson").stat().st_size > 0
    assert (loupe_env / "shop.sqlite").stat().st_size > 0
    assert "production database: sqlite:///shop.sqlite" in result.output


def test_simulate_into_the_warehouse(app: typer.Typer, loupe_env: Path) -> None:
    assert runner.invoke(app, ["init"]).exit_code == 0
    result = runner.invoke(app, ["simulate", *SMALL, "--truth", "truth"])
    assert result.exit_code == 0, result.output
    assert "production database: none" in result.output
    count = runner.invoke(
        app, ["sql", "SELECT uniqExact(event_id) FROM pd.api_calls", "--format", "TSV"]
    )
    assert int(count.stdout.strip()) == distinct_calls(loupe_env / "truth")


def test_simulate_to_a_collector(app: typer.Typer, loupe_env: Path, warehouse: Warehouse) -> None:
    writer = BatchWriter(WarehouseSink(warehouse), max_delay_ms=50)
    with serve_asgi(create_collector_app(writer, "tok", max_body_bytes=16_000_000)) as url:
        result = runner.invoke(
            app, ["simulate", *SMALL, "--collector", url, "--token", "tok", "--truth", "truth"]
        )
        assert result.exit_code == 0, result.output
    writer.close()
    stored = warehouse.scalar("SELECT uniqExact(event_id) FROM pd.api_calls")
    assert stored == distinct_calls(loupe_env / "truth")
    assert warehouse.scalar("SELECT count() FROM pd.api_calls_rejected") == 0


def test_bad_start_date_is_a_clear_error(app: typer.Typer, loupe_env: Path) -> None:
    result = runner.invoke(app, ["simulate", "--start", "20-11-2026", "--out", "out"])
    assert result.exit_code != 0
    assert "YYYY-MM-DD" in result.output
