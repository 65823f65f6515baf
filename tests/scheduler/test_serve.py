"""`loupe serve` as a new user runs it: post calls, wait for the hourly run, ask the status."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from loupe.schema.ddl import DDL
from loupe.schema.migrate import migrate
from loupe.settings import Settings
from loupe.warehouse import open_warehouse
from tests.helpers.calls import visit_calls
from tests.helpers.processes import LOUPE, LoupeProcess
from tests.helpers.servers import free_port

pytestmark = pytest.mark.slow  # a real `loupe serve` process

TOKEN = "serve-test-token"


@pytest.fixture
def served(settings: Settings, loupe_env: Path) -> Iterator[tuple[LoupeProcess, str]]:
    with open_warehouse(settings) as warehouse:
        migrate(warehouse, DDL())
    port = free_port()
    env = {"LOUPE_COLLECTOR_TOKEN": TOKEN, "LOUPE_COLLECTOR_PORT": str(port)}
    process = LoupeProcess(
        loupe_env, "serve", "--interval-seconds", "2", "--check-seconds", "0.5", env=env
    )
    try:
        process.wait_for("Uvicorn running")
        yield process, f"http://127.0.0.1:{port}"
    finally:
        process.kill()


def wait_for_sessions(base: str, expected: int, timeout: float = 120) -> dict:
    """Poll GET /status until dwh.sessions has `expected` rows (the timeout is a guard)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report = httpx.get(f"{base}/status", timeout=30).json()
        sessions = next(t for t in report["tables"] if t["table"] == "dwh.sessions")
        if sessions["rows"] == expected:
            return report
        time.sleep(0.5)
    raise AssertionError(f"dwh.sessions never reached {expected} rows: {report}")


def test_serve_collects_builds_hourly_and_reports_healthy(
    served: tuple[LoupeProcess, str], settings: Settings, loupe_env: Path
) -> None:
    process, base = served
    now = datetime.now(timezone.utc)
    calls = visit_calls(now - timedelta(minutes=20), "visit-1") + visit_calls(
        now - timedelta(minutes=10), "visit-2"
    )
    refused = httpx.post(f"{base}/v1/api-calls", json=calls)
    assert refused.status_code == 401
    posted = httpx.post(
        f"{base}/v1/api-calls", json=calls, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert posted.json() == {"accepted": 6, "rejected": 0, "spooled": 0}

    report = wait_for_sessions(base, 2)
    assert report["healthy"] is True
    # `loupe status` in another process finds the warehouse locked and asks `loupe serve`.
    status = subprocess.run(
        [*LOUPE, "status", "--json"],
        cwd=loupe_env,
        env={**os.environ, "LOUPE_COLLECTOR_PORT": base.rsplit(":", 1)[1]},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert status.returncode == 0, status.stderr
    remote = json.loads(status.stdout)
    assert remote["healthy"] is True
    assert next(j for j in remote["jobs"] if j["job"] == "etl_hourly")["result"] == "success"
    metrics = httpx.get(f"{base}/metrics").text
    assert 'loupe_scheduler_run_seconds_count{job="etl_hourly",status="success"}' in metrics
    assert 'loupe_table_lag_seconds{table="dwh.sessions"}' in metrics

    assert process.stop() == 0
    with open_warehouse(settings) as warehouse:
        rows = warehouse.rows("SELECT session_id, calls FROM dwh.sessions ORDER BY session_id")
    assert rows == [{"session_id": "visit-1", "calls": 3}, {"session_id": "visit-2", "calls": 3}]
