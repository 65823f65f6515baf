"""`loupe collect` as a real process: serves, answers once durable, stops cleanly (exit code 0)
on SIGTERM and on SIGINT."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import orjson
import pytest

from loupe.schema.ddl import DDL
from loupe.schema.migrate import migrate
from loupe.settings import Settings
from loupe.warehouse import open_warehouse
from tests.conftest import api_call, free_port


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_collect_serves_and_exits_0_when_stopped(
    settings: Settings, loupe_env: Path, stop_signal: signal.Signals
) -> None:
    with open_warehouse(settings) as warehouse:
        migrate(warehouse, DDL())
    port = free_port()
    env = {**os.environ, "LOUPE_COLLECTOR_TOKEN": "tok-123", "LOUPE_COLLECTOR_PORT": str(port)}
    loupe = str(Path(sys.executable).with_name("loupe"))
    server = subprocess.Popen([loupe, "collect"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    log = server.stderr.read()
                    raise AssertionError(f"collector did not start: {log}") from None
                time.sleep(0.1)
        body = b"\n".join(orjson.dumps(api_call(event_id=str(uuid.uuid4()))) for _ in range(100))
        answer = httpx.post(
            f"http://127.0.0.1:{port}/v1/api-calls",
            content=body,
            headers={"Authorization": "Bearer tok-123", "Content-Type": "application/x-ndjson"},
            timeout=30,
        )
        assert answer.json() == {"accepted": 100, "rejected": 0, "spooled": False}
    finally:
        server.send_signal(stop_signal)
        exit_code = server.wait(60)
        log = server.stderr.read()
    # uvicorn shuts down gracefully and re-raises the signal it caught: a stop, not a failure.
    assert exit_code == 0, log
    assert "Finished server process" in log
    assert "error" not in log
    with open_warehouse(settings) as warehouse:  # the lock was released on exit
        assert warehouse.scalar("SELECT count() FROM pd.api_calls") == 100
