"""On a ClickHouse server nothing but the lease keeps two processes apart (the embedded engine's
directory lock admits one process). Processes that ask for it at the same instant: one wins."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.processes import LOUPE
from tests.interface.holding import holding_process

# Connects first, then asks for the lease at the agreed instant and prints what it got; the
# winner holds it for a second.
CONTENDER = """
import sys, time
from loupe.scheduler.lease import Lease, LeaseHeld, new_holder
from loupe.settings import load_settings
from loupe.warehouse import open_warehouse

settings = load_settings()
with open_warehouse(settings) as warehouse:
    warehouse.scalar("SELECT count() FROM etl.job_locks")
    time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
    lease = Lease(warehouse, "race", new_holder(), 30, settings.scheduler_lease_settle_seconds)
    try:
        with lease:
            print("won", flush=True)
            time.sleep(1)
    except LeaseHeld:
        print("lost", flush=True)
"""


@pytest.mark.slow
def test_processes_racing_for_a_lease_on_a_server_get_one_winner(loupe_env: Path) -> None:
    with holding_process(loupe_env / "server") as holder:
        env = {**os.environ, **holder.server_environment()}
        migrated = subprocess.run([*LOUPE, "migrate"], env=env, capture_output=True, text=True)
        assert migrated.returncode == 0, migrated.stderr
        for _ in range(3):
            start_at = f"{time.time() + 4:.3f}"
            contenders = [
                subprocess.Popen(
                    [sys.executable, "-c", CONTENDER, start_at],
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for _ in range(4)
            ]
            outcomes = [process.communicate(timeout=60) for process in contenders]
            assert all(process.returncode == 0 for process in contenders), outcomes
            assert sorted(out.strip() for out, _ in outcomes) == ["lost", "lost", "lost", "won"]
