"""`loupe dashboards`: its options, a clear error on an empty warehouse, and a real server that
answers over HTTP and stops cleanly on SIGTERM (exit code 0, warehouse closed)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import typer.testing

from tests.helpers.servers import free_port

RUN_CLI = "import loupe.cli.dashboards, loupe.cli; loupe.cli.main()"


def invoke(*args: str) -> typer.testing.Result:
    import loupe.cli
    import loupe.cli.dashboards  # registers the command (until loupe.cli imports it)

    return typer.testing.CliRunner().invoke(loupe.cli.app, list(args))


def test_help_lists_the_options() -> None:
    result = invoke("dashboards", "--help")
    assert result.exit_code == 0, result.output
    assert "--host" in result.output and "--port" in result.output


def test_uninitialised_warehouse_is_a_clear_error(loupe_env: Path) -> None:
    result = invoke("dashboards", "--port", str(free_port()))
    assert result.exit_code == 1
    assert "no dwh tables: run `loupe init` first" in result.output


@pytest.mark.slow
def test_serves_until_sigterm(loupe_env: Path) -> None:
    env = {**os.environ, "LOUPE_PRODUCTION_URL": ""}
    init = subprocess.run(
        [sys.executable, "-c", RUN_CLI, "init"], env=env, capture_output=True, text=True
    )
    assert init.returncode == 0, init.stderr
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", RUN_CLI, "dashboards", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                index = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.communicate()[0]
                assert time.monotonic() < deadline, "loupe dashboards did not start"
                time.sleep(0.2)
        assert index.status_code == 200 and "Conversion funnel" in index.text
        card = httpx.get(f"http://127.0.0.1:{port}/api/d/funnel/cards/visits", timeout=30)
        assert card.status_code == 200 and card.json()["error"] is None  # empty warehouse: 0
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=30)[0]
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert server.returncode == 0, output
    assert f"dashboards on http://127.0.0.1:{port}/" in output
    assert "dashboards stopped" in output
