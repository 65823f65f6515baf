"""`loupe status` through the CLI runner: stale and healthy warehouses, JSON and text."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from loupe.jobs.publish import Publish, undo_interrupted_publishes
from loupe.jobs.registry import plan
from loupe.jobs.run import build_day
from loupe.scheduler import Scheduler, SchedulerOptions, default_specs
from loupe.scheduler.status import build_report
from loupe.settings import Settings
from loupe.warehouse import Warehouse, open_warehouse
from tests.helpers.calls import load, visit_calls
from tests.helpers.clock import Clock

runner = CliRunner()


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    """The `loupe` app with `run`, `serve` and `status` registered (at test time)."""
    import loupe.cli.run  # noqa: F401  (registers the commands)
    from loupe.cli import app

    return app


def status(app: typer.Typer, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["status", *args])
    assert result.exit_code in (0, 1) and "error:" not in result.stderr, result.output
    return result.exit_code, result.stdout


@pytest.mark.slow
def test_a_stale_table_is_named_and_exits_non_zero(
    app: typer.Typer, warehouse: Warehouse, settings: Settings
) -> None:
    now = datetime.now(timezone.utc)
    load(warehouse, visit_calls(now - timedelta(days=2), "old"))
    build_day(warehouse, settings, (now - timedelta(days=2)).date())
    load(warehouse, visit_calls(now - timedelta(minutes=5), "new"))  # arrived, not built
    warehouse.close()  # `loupe status` opens the warehouse itself

    code, text = status(app)
    assert code == 1
    assert "STALE: dwh.sessions" in text
    code, output = status(app, "--json")
    report = json.loads(output)
    assert code == 1 and report["healthy"] is False and report["stale"] == ["dwh.sessions"]
    sessions = next(t for t in report["tables"] if t["table"] == "dwh.sessions")
    assert sessions["rows"] == 1 and sessions["lag_minutes"] > 47 * 60
    calls = next(t for t in report["tables"] if t["table"] == "pd.api_calls")
    assert calls["rows"] == 6 and calls["stale"] is False
    # A threshold beyond the lag makes the same warehouse healthy.
    assert status(app, "--max-lag-minutes", str(4 * 24 * 60))[0] == 0


@pytest.mark.slow
def test_fresh_tables_and_jobs_are_healthy(
    app: typer.Typer, warehouse: Warehouse, settings: Settings, loupe_env: Path
) -> None:
    now = datetime.now(timezone.utc)
    load(warehouse, visit_calls(now - timedelta(minutes=10), "fresh"))
    load(warehouse, [{"not": "a call"}])  # rejected
    options = SchedulerOptions(lease_settle_seconds=0.01)
    Scheduler(warehouse, default_specs(settings, options), options).tick()
    warehouse.close()

    code, output = status(app, "--json")
    report = json.loads(output)
    assert code == 0, output
    assert report["healthy"] is True and report["stale"] == []
    sessions = next(t for t in report["tables"] if t["table"] == "dwh.sessions")
    assert sessions["rows"] == 1 and sessions["lag_minutes"] < 60
    jobs = {job["job"]: job for job in report["jobs"]}
    assert jobs["etl_hourly"]["result"] == "success"
    # Up to date: its next run is a time to come (not "now (behind schedule)").
    next_run = datetime.fromisoformat(jobs["etl_hourly"]["next_run"])
    assert next_run > datetime.fromisoformat(report["now"])
    assert report["ingest"]["rejected_24h"] == 1
    assert {row["database"] for row in report["disk"]} >= {"pd", "dwh", "etl"}
    code, text = status(app)
    assert code == 0 and "healthy" in text and "etl_hourly" in text


def test_failures_of_the_last_day_are_listed(
    app: typer.Typer, warehouse: Warehouse, settings: Settings
) -> None:
    from loupe.scheduler import JobSpec
    from loupe.scheduler.specs import Every

    def broken(w: Warehouse, slot: datetime) -> str:
        raise RuntimeError("the source is down")

    options = SchedulerOptions(retries=1, backoff_seconds=0.01, lease_settle_seconds=0.01)
    Scheduler(warehouse, [JobSpec("etl_hourly", Every(3600), broken)], options).tick()
    warehouse.close()
    code, output = status(app, "--json")
    report = json.loads(output)
    assert [f["error"] for f in report["failures_24h"]] == ["RuntimeError: the source is down"] * 2
    assert next(j for j in report["jobs"] if j["job"] == "etl_hourly")["result"] == "failed"
    assert code == 0  # failing, but not for longer than the threshold yet
    # A job that has failed since its first attempt, longer than the threshold, is stale.
    with open_warehouse(settings) as reopened:
        later = datetime.now(timezone.utc) + timedelta(hours=3)
        specs = [JobSpec("etl_hourly", Every(3600), broken)]
        report = build_report(reopened, settings, specs, 120, now=later)
    assert report["stale"] == ["etl_hourly"] and report["healthy"] is False


def test_an_empty_warehouse_is_healthy(app: typer.Typer, warehouse: Warehouse) -> None:
    warehouse.close()
    code, output = status(app, "--json")
    report = json.loads(output)
    assert code == 0 and report["stale"] == []
    assert {t["table"]: t["note"] for t in report["tables"]}["dwh.sessions"] == "empty"


class DownSink:
    """A warehouse that cannot be reached: every batch goes to the spool."""

    def write(self, batch: object) -> None:
        raise ConnectionError("warehouse down")


def test_spooled_records_are_counted(
    app: typer.Typer, warehouse: Warehouse, settings: Settings
) -> None:
    from loupe.ingest.writer import BatchWriter

    spool_dir = settings.spool_dir / "api_calls"  # where the collector's writer spools
    with BatchWriter(DownSink(), retries=0, spool_dir=spool_dir) as writer:
        calls = visit_calls(datetime.now(timezone.utc), "spooled", calls=7)
        receipt = writer.add_many([*calls, {"not": "a call"}]).result(timeout=30)
    assert receipt.spooled
    warehouse.close()
    report = json.loads(status(app, "--json")[1])
    assert report["ingest"]["spooled_batches"] == 1
    assert report["ingest"]["spooled_records"] == 8  # 7 accepted and 1 rejected, waiting


@pytest.mark.slow
def test_a_publish_cut_short_is_stale_until_the_next_etl_run(
    app: typer.Typer, warehouse: Warehouse, settings: Settings
) -> None:
    now = datetime.now(timezone.utc)
    load(warehouse, visit_calls(now - timedelta(minutes=10), "fresh"))
    build_day(warehouse, settings, now.date())
    # The journal as a crash between two swaps leaves it (tests/jobs/test_publish.py crashes
    # a real build there).
    Publish(now.date(), 1, False, plan(["sessions"])[1:]).record(warehouse, "swapping")
    warehouse.close()

    code, output = status(app, "--json")
    report = json.loads(output)
    assert code == 1 and report["stale"] == [f"publish of {now.date()}"]
    assert report["publishes_cut_short"] == [now.date().isoformat()]
    assert "publishes cut short by a crash" in status(app)[1]
    with open_warehouse(settings) as reopened:
        assert undo_interrupted_publishes(reopened) == [now.date()]
        report = build_report(reopened, settings, [], 120)
    assert report["publishes_cut_short"] == []
    assert not any(item.startswith("publish of") for item in report["stale"])


def test_a_backfill_built_is_fresh_however_old_its_calls(
    warehouse: Warehouse, settings: Settings
) -> None:
    # Calls of two days ago arriving now (a backfill): once built, dwh.sessions is as new as
    # the newest call, which is what the ETL is held to, not the clock.
    two_days_ago = datetime.now(timezone.utc) - timedelta(days=2)
    load(warehouse, visit_calls(two_days_ago, "backfill"))
    build_day(warehouse, settings, two_days_ago.date())
    report = build_report(warehouse, settings, [], 120)
    sessions = next(t for t in report["tables"] if t["table"] == "dwh.sessions")
    assert sessions["lag_minutes"] > 47 * 60 and sessions["stale"] is False
    assert report["healthy"] is True


def test_a_job_failing_after_a_success_shows_its_last_success(
    warehouse: Warehouse, settings: Settings
) -> None:
    from loupe.scheduler import JobSpec
    from loupe.scheduler.specs import Every

    outcomes = iter(["ok", RuntimeError("the source is down")])

    def once_good(w: Warehouse, slot: datetime) -> str:
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    clock = Clock(datetime(2026, 11, 24, 10, 20, tzinfo=timezone.utc))
    specs = [JobSpec("etl_hourly", Every(3600), once_good)]
    options = SchedulerOptions(retries=0, lease_settle_seconds=0.01)
    scheduler = Scheduler(warehouse, specs, options, now=clock)
    scheduler.tick()
    clock.advance(hours=1)
    scheduler.tick()
    (job,) = build_report(warehouse, settings, specs, 120, now=clock())["jobs"]
    assert job["result"] == "failed"
    assert job["last_success_slot"] == "2026-11-24T10:00:00+00:00"
    assert job["last_slot"] == "2026-11-24T11:00:00+00:00"
