"""Loupe's commands beside a running `loupe serve`: they reach its warehouse through the HTTP
interface (as its admin), and the work they do there builds what the same work builds with the
process stopped. The scheduler inside `serve` keeps running its jobs meanwhile."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest

from loupe.settings import load_settings
from loupe.warehouse import open_warehouse
from tests.helpers.builds import built_rows
from tests.helpers.calls import api_call
from tests.helpers.dwh import checksums
from tests.helpers.processes import LOUPE, LoupeProcess
from tests.helpers.servers import free_port

NEW_SESSIONS = 7
INTERVAL = 40  # seconds between the scheduler's hourly slots
SNAPSHOT_DONE = re.compile(r"snapshot (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d): \d+ entities")
SLOT_STARTED = re.compile(r"etl_hourly (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d): started")


def environment(root: Path, port: int) -> dict[str, str]:
    """The commands' environment: the demo's default paths under `root`, the interface on
    `port`, and no other `LOUPE_*` of the test run."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("LOUPE_")}
    return {
        **env,
        "COLUMNS": "200",
        "LOUPE_COLLECTOR_TOKEN": "commands-test-token",
        "LOUPE_COLLECTOR_PORT": str(free_port()),
        "LOUPE_HTTP_INTERFACE_PORT": str(port),
    }


def loupe(root: Path, env: dict[str, str], *args: str) -> str:
    """Run `loupe ARGS` in `root`; its stdout (it must succeed)."""
    done = subprocess.run(
        [*LOUPE, *args], cwd=root, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"loupe {' '.join(args)}: {done.stderr}"
    return done.stdout


def new_calls(path: Path, day: str) -> None:
    """Calls of `NEW_SESSIONS` visits on `day` that the demo did not make: the day's rebuild
    must count them."""
    lines = [
        orjson.dumps(
            api_call(
                event_id=str(uuid.uuid4()),
                session_id=f"beside-serve-{n}",
                ts=f"{day}T1{n}:0{step}:00.000Z",
                endpoint="/api/v1/catalog" if step else "/api/v1/home",
            )
        )
        for n in range(NEW_SESSIONS)
        for step in range(3)
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")


def the_same_work(root: Path, env: dict[str, str], day: str) -> str:
    """Ingest new calls of `day`, rebuild it, snapshot the production database; the count of
    the day's visits afterwards."""
    new_calls(root / "calls.ndjson", day)
    ingested = loupe(root, env, "ingest", str(root / "calls.ndjson"))
    assert f"{NEW_SESSIONS * 3} new" in ingested
    built = loupe(root, env, "etl", "run", "--date", day)
    assert built_rows(built, day)["sessions"] > 0
    snapshot = loupe(root, env, "snapshot")
    assert "history.items:" in snapshot and "copies refreshed" in snapshot
    visits = "SELECT count() FROM dwh.sessions WHERE date = {day:Date}"
    return loupe(root, env, "sql", visits, "--param", f"day={day}", "--format", "TSV").strip()


def copy_tree(source: Path, target: Path) -> None:
    """Copy a Loupe directory; chDB's metadata links by absolute path into its own store, so
    the links are pointed at the copy's."""
    shutil.copytree(source, target, symlinks=True)
    for link in target.rglob("*"):
        if link.is_symlink() and Path(os.readlink(link)).is_relative_to(source):
            pointed = target / Path(os.readlink(link)).relative_to(source)
            link.unlink()
            link.symlink_to(pointed)


def utc_now() -> datetime:
    """Now in UTC, naive, as the scheduler's log names slots."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def dwh_checksums(root: Path) -> dict[str, tuple[int, int]]:
    settings = load_settings(data_dir=root / ".loupe" / "warehouse", production_url="")
    with open_warehouse(settings) as warehouse:
        return checksums(warehouse)


def demand_days(root: Path) -> set:
    """The days of dwh.daily_item_demand in the warehouse under `root`."""
    settings = load_settings(data_dir=root / ".loupe" / "warehouse", production_url="")
    with open_warehouse(settings) as warehouse:
        return set(warehouse.scalar("SELECT groupArray(DISTINCT date) FROM dwh.daily_item_demand"))


def drop_demand_days(root: Path, days: set) -> None:
    """Drop these days of dwh.daily_item_demand in the warehouse under `root`."""
    settings = load_settings(data_dir=root / ".loupe" / "warehouse", production_url="")
    with open_warehouse(settings) as warehouse:
        for day in days:
            warehouse.command(
                "ALTER TABLE dwh.daily_item_demand DROP PARTITION {d:Date}", {"d": day}
            )


@pytest.mark.slow
def test_commands_beside_serve_build_what_they_build_with_it_stopped(tmp_path: Path) -> None:
    beside, alone = tmp_path / "beside", tmp_path / "alone"
    beside.mkdir()
    port = free_port()
    env = environment(beside, port)
    loupe(beside, env, "demo", "--days", "2", "--visits-per-day", "60", "--seed", "5")
    copy_tree(beside, alone)
    days = loupe(beside, env, "sql", "SELECT max(date) FROM dwh.sessions", "--format", "TSV")
    day = days.strip()
    before = int(loupe(beside, env, "sql", f"SELECT count() FROM dwh.sessions WHERE date = '{day}'",
                       "--format", "TSV"))  # fmt: skip

    serve = LoupeProcess(
        beside, "serve", "--interval-seconds", str(INTERVAL), "--check-seconds", "1", env=env
    )
    try:
        serve.wait_for("ClickHouse HTTP interface on")
        # The scheduler's snapshot job takes the lease `loupe snapshot` takes (one of them would
        # be refused): begin right after a slot's jobs, with time to spare before the next one.
        while True:
            done = SNAPSHOT_DONE.search(serve.wait_for("snapshot", "entities", timeout=90))
            assert done is not None
            next_slot = datetime.fromisoformat(done.group(1)) + timedelta(seconds=INTERVAL)
            if (next_slot - utc_now()).total_seconds() >= INTERVAL * 0.6:
                break
        status = subprocess.run(
            [*LOUPE, "status", "--json"], cwd=beside, env=env, capture_output=True, text=True
        )
        assert json.loads(status.stdout)["engine"] == "embedded", status.stderr
        counted = the_same_work(beside, env, day)
        finished = utc_now()
        # The scheduler's next hourly run, in a slot after the commands, still succeeds.
        slot = datetime.min
        while slot < finished:
            started = SLOT_STARTED.search(serve.wait_for("etl_hourly", "started", timeout=90))
            assert started is not None
            slot = datetime.fromisoformat(started.group(1))
        serve.wait_for("etl_hourly", started.group(1), "new calls in", timeout=90)
        assert serve.stop() == 0
    finally:
        serve.kill()
    assert int(counted) == before + NEW_SESSIONS

    alone_env = environment(alone, free_port())
    loupe(alone, alone_env, "init")  # links the copy's own production database
    assert the_same_work(alone, alone_env, day) == counted
    loupe(alone, alone_env, "etl", "hourly")
    # The scheduler's nightly run also built yesterday, a day without calls, which only the
    # stock-outs of dwh.daily_item_demand fill: the commands' work is the days they built.
    scheduled_only = demand_days(beside) - demand_days(alone)
    assert all(extra > date.fromisoformat(day) for extra in scheduled_only)
    drop_demand_days(beside, scheduled_only)
    got, expected = dwh_checksums(beside), dwh_checksums(alone)
    assert all(rows > 0 for rows, _ in expected.values())
    assert got == expected
