"""`loupe run` as a real process: one scheduler per embedded warehouse, SIGTERM mid-run."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from loupe.jobs.run import build_day
from loupe.schema.ddl import DDL
from loupe.schema.migrate import migrate
from loupe.settings import Settings
from loupe.warehouse import Warehouse, open_warehouse
from tests.helpers.calls import load, visit_calls
from tests.helpers.dwh import dwh_fingerprint
from tests.helpers.processes import LOUPE, LoupeProcess

pytestmark = pytest.mark.slow  # real `loupe` processes

DAY = date(2026, 11, 20)

# Two million calls of one day: a day build long enough (seconds) to be stopped in the middle.
MANY_CALLS_SQL = """
INSERT INTO pd.api_calls (event_id, ts, session_id, method, endpoint, status, request, response,
    user_agent, received_at)
SELECT generateUUIDv4(), toDateTime64('2026-11-20 08:00:00', 3, 'UTC') + toIntervalMillisecond(
    number * 10), concat('bulk-', toString(number % 100000)), 'GET', '/api/v1/catalog', 200,
    '{"section":"rings","page":1}', '{"total":1,"items":[{"id":1,"price":100}]}',
    'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0', now64(3)
FROM numbers(2000000)
"""


@pytest.fixture
def processes() -> Iterator[list[LoupeProcess]]:
    started: list[LoupeProcess] = []
    yield started
    for process in started:
        process.kill()


def test_a_second_scheduler_process_is_refused(
    settings: Settings, loupe_env: Path, processes: list[LoupeProcess]
) -> None:
    with open_warehouse(settings) as warehouse:
        migrate(warehouse, DDL())
    first = LoupeProcess(loupe_env, "run", "--metrics-port", "0", "--check-seconds", "0.5")
    processes.append(first)
    first.wait_for("scheduler", "started:")
    second = subprocess.run(
        [*LOUPE, "run", "--once"], cwd=loupe_env, capture_output=True, text=True, timeout=120
    )
    assert second.returncode == 1
    assert f"in use by pid {first.process.pid}" in " ".join(second.stderr.split())
    assert first.stop() == 0


def test_sigterm_during_a_run_leaves_dwh_as_before(
    settings: Settings, loupe_env: Path, processes: list[LoupeProcess]
) -> None:
    with open_warehouse(settings) as warehouse:
        migrate(warehouse, DDL())
        load(warehouse, visit_calls(datetime(2026, 11, 20, 7, tzinfo=timezone.utc), "early"))
        build_day(warehouse, settings, DAY)
        warehouse.command(MANY_CALLS_SQL)
        before = dwh_fingerprint(warehouse)
    scheduler = LoupeProcess(loupe_env, "run", "--metrics-port", "0")
    processes.append(scheduler)
    scheduler.wait_for("etl_hourly", "started (attempt 1)")
    assert scheduler.stop() == 0
    scheduler.wait_for("etl_hourly", "interrupted")
    with open_warehouse(settings) as warehouse:
        assert dwh_fingerprint(warehouse) == before
        statuses = warehouse.rows("SELECT job, status FROM etl.scheduler_runs")
        assert statuses == [{"job": "etl_hourly", "status": "interrupted"}]
        assert warehouse.scalar("SELECT count() FROM etl.job_runs WHERE job = 'hourly'") == 0
    # The next start runs the interrupted slot again, to the end.
    assert _once(loupe_env).returncode == 0
    with open_warehouse(settings) as warehouse:
        assert dwh_fingerprint(warehouse) != before
        assert warehouse.scalar("SELECT uniqExact(session_id) FROM dwh.sessions") == 100_001


def _once(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*LOUPE, "run", "--once"], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_run_once_needs_the_scheduler_tables(loupe_env: Path, warehouse: Warehouse) -> None:
    warehouse.command("DROP TABLE etl.job_locks")
    warehouse.close()
    result = _once(loupe_env)
    assert result.returncode == 1
    assert "run `loupe migrate` first" in result.stderr
