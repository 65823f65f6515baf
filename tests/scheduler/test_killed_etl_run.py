"""A `loupe etl run` process SIGKILLed mid-run leaves its lease in etl.job_locks: the next run for
the same day clears it at once (the holder is known dead) and builds what an uninterrupted run
builds, on the embedded engine and on a server."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from loupe.scheduler.lease import ALL_LIVE_SQL, ETL_LOCK, Lease, etl_lease
from loupe.schema.ddl import DDL
from loupe.schema.migrate import migrate
from loupe.settings import Settings, load_settings
from loupe.warehouse import Warehouse, open_warehouse
from tests.helpers.builds import built_rows
from tests.helpers.dwh import dwh_fingerprint
from tests.helpers.processes import LOUPE, LoupeProcess
from tests.interface.holding import holding_process

DAY = "2026-11-20"
# 300 000 calls of 20 000 sessions, the same in every warehouse: the parse of the day takes over
# a second, long enough to be killed in.
CALLS_SQL = """
INSERT INTO pd.api_calls (event_id, ts, session_id, method, endpoint, status, request, response,
    user_agent, received_at)
SELECT toUUID(concat('00000000-0000-4000-8000-', leftPad(toString(number), 12, '0'))),
    toDateTime64('2026-11-20 08:00:00', 3, 'UTC') + toIntervalMillisecond(number * 10),
    concat('bulk-', toString(number % 20000)), 'GET', '/api/v1/catalog', 200,
    '{"section":"rings","page":1}', '{"total":1,"items":[{"id":1,"price":100}]}',
    'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0', toDateTime64('2026-11-21 00:00:00', 3, 'UTC')
FROM numbers(300000)
"""
# Logged (with -v) once it has run: the next statement is the long parse of the day's calls.
STAGING_STARTED = "ALTER TABLE etl.visit_calls DROP PARTITION"
# Logged once the first swap of the day into dwh has run: the kill lands mid-publish.
PUBLISHING = "REPLACE PARTITION"
RUNNING_SQL = "SELECT count() FROM system.processes WHERE query_id != queryID()"
USER_AGENTS_SQL = """
SELECT count() AS n, groupBitXor(cityHash64(*)) AS h
FROM (SELECT * EXCEPT (parsed_at) FROM dwh.user_agents)
"""


def built(warehouse: Warehouse) -> dict[str, tuple[int, int]]:
    """Rows and checksums of the dwh tables, but for when user agents were parsed."""
    tables = dwh_fingerprint(warehouse)
    row = warehouse.rows(USER_AGENTS_SQL)[0]
    tables["user_agents"] = (row["n"], row["h"])
    return tables


@pytest.fixture
def processes() -> Iterator[list[LoupeProcess]]:
    started: list[LoupeProcess] = []
    yield started
    for process in started:
        process.kill()


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, int]]:
    """dwh after one `loupe etl run` of the day that nobody interrupted (embedded engine)."""
    home = tmp_path_factory.mktemp("uninterrupted")
    env = {"LOUPE_DATA_DIR": str(home / "warehouse"), "LOUPE_SPOOL_DIR": str(home / "spool")}
    with open_warehouse(load_settings(data_dir=home / "warehouse")) as warehouse:
        migrate(warehouse, DDL())
        warehouse.command(CALLS_SQL)
    started = time.monotonic()
    run = etl_run(home, env)
    print(f"uninterrupted run: {time.monotonic() - started:.1f} s")
    assert run.returncode == 0, run.stderr
    with open_warehouse(load_settings(data_dir=home / "warehouse")) as warehouse:
        return built(warehouse)


def etl_run(cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*LOUPE, "etl", "run", "--date", DAY],
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200", **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def live_holders(warehouse: Warehouse) -> list[str]:
    return [row["holder"] for row in warehouse.rows(ALL_LIVE_SQL)]


def kill_mid_run(cwd: Path, env: dict[str, str], at: str, started: list[LoupeProcess]) -> str:
    """Start `loupe -v etl run`, SIGKILL it once `at` is logged; return the holder it left."""
    run = LoupeProcess(cwd, "-v", "etl", "run", "--date", DAY, env=env)
    started.append(run)
    run.wait_for(at)
    run.kill()
    assert run.process.returncode == -9
    return f"{socket.gethostname()}:{run.process.pid}:"


def rerun_after_kill(cwd: Path, env: dict[str, str], holder: str) -> None:
    """The next `loupe etl run` of the day succeeds at once, saying whose lease it released."""
    started = time.monotonic()
    rerun = etl_run(cwd, env)
    print(f"run after the kill: {time.monotonic() - started:.1f} s")
    assert rerun.returncode == 0, rerun.stderr
    stderr = " ".join(rerun.stderr.split())
    assert f"released the ETL lease of {holder}" in stderr
    assert built_rows(rerun.stdout, DAY)["sessions"] == 20000


@pytest.mark.slow
@pytest.mark.parametrize("at", [STAGING_STARTED, PUBLISHING], ids=["staging", "publishing"])
def test_killed_run_on_the_embedded_engine_does_not_block_the_next(
    settings: Settings,
    loupe_env: Path,
    processes: list[LoupeProcess],
    uninterrupted: dict[str, tuple[int, int]],
    at: str,
) -> None:
    with open_warehouse(settings) as warehouse:
        migrate(warehouse, DDL())
        warehouse.command(CALLS_SQL)
    holder = kill_mid_run(loupe_env, {}, at, processes)
    with open_warehouse(settings) as warehouse:  # the kernel dropped its directory lock ...
        assert [live.startswith(holder) for live in live_holders(warehouse)] == [
            True
        ]  # not its lease
    rerun_after_kill(loupe_env, {}, holder)
    with open_warehouse(settings) as warehouse:
        assert live_holders(warehouse) == []
        assert built(warehouse) == uninterrupted


@pytest.mark.slow
def test_killed_run_on_a_server_does_not_block_the_next(
    loupe_env: Path, processes: list[LoupeProcess], uninterrupted: dict[str, tuple[int, int]]
) -> None:
    with holding_process(loupe_env / "server") as holder:
        env = holder.server_environment()
        with open_warehouse(holder.server_settings()) as warehouse:
            migrate(warehouse, DDL())
            warehouse.command(CALLS_SQL)
            holder = kill_mid_run(loupe_env, env, STAGING_STARTED, processes)
            assert [live.startswith(holder) for live in live_holders(warehouse)] == [True]
            # The server finishes the statement the killed process had sent (here, the parse of
            # the day into etl.visit_calls) before the next run stages the day again.
            deadline = time.monotonic() + 60
            while warehouse.scalar(RUNNING_SQL) and time.monotonic() < deadline:
                time.sleep(0.1)
            rerun_after_kill(loupe_env, env, holder)
            assert live_holders(warehouse) == []
            assert built(warehouse) == uninterrupted


def test_etl_lease_releases_dead_holders_of_its_own_lock_only(
    settings: Settings, warehouse: Warehouse
) -> None:
    here = socket.gethostname()
    dead = Lease(warehouse, ETL_LOCK, f"{here}:999999999:killed", ttl=600, settle=0.01)
    dead.acquire()
    dead._done.set()  # SIGKILLed: no heartbeat, no release
    other = Lease(warehouse, "snapshot", f"{here}:999999998:killed", ttl=600, settle=0.01)
    other.acquire()
    other._done.set()
    with etl_lease(warehouse, settings):
        holders = live_holders(warehouse)
        assert f"{here}:999999999:killed" not in holders
        assert f"{here}:999999998:killed" in holders  # not the ETL's: the scheduler's to clear
