"""How the interface starts and stops with the process that owns the warehouse."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import stat
import subprocess
from pathlib import Path

import httpx
import pytest

from loupe.errors import ConfigError
from loupe.interface import ADMIN_FILE
from loupe.interface.server import bind, serve_interface
from loupe.schema.ddl import DDL
from loupe.schema.migrate import migrate
from loupe.settings import load_settings
from loupe.warehouse import open_warehouse
from tests.helpers.interface import Served
from tests.helpers.processes import LOUPE, LoupeProcess
from tests.helpers.servers import free_port


@pytest.mark.slow
def test_admin_file_is_private_and_lets_the_admin_in(served: Served) -> None:
    path = served.data_dir / ADMIN_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    content = json.loads(path.read_text())
    assert content["url"] == served.url.rstrip("/")
    response = httpx.post(
        served.url, content="SELECT currentUser()", auth=("admin", content["password"])
    )
    assert response.status_code == 200


def _migrated(loupe_env: Path) -> None:
    with open_warehouse(load_settings()) as warehouse:
        migrate(warehouse, DDL())


@pytest.mark.slow
def test_busy_port_is_one_line_and_the_command_does_not_start(
    loupe_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _migrated(loupe_env)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        collector = free_port()
        done = subprocess.run(
            [*LOUPE, "collect"],
            cwd=loupe_env,
            env={**os.environ, "LOUPE_HTTP_INTERFACE_PORT": str(port),
                 "LOUPE_COLLECTOR_TOKEN": "t", "LOUPE_COLLECTOR_PORT": str(collector)},
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert done.returncode != 0
    errors = [line for line in done.stderr.splitlines() if line.strip()]
    assert errors == [
        f"error: the ClickHouse HTTP interface cannot listen on 127.0.0.1:{port}: the port is "
        "in use (set http_interface_port, or 0 to turn the interface off)"
    ]
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{collector}/healthz")


def test_another_address_needs_a_reader_password(
    loupe_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOUPE_HTTP_INTERFACE_PORT", str(free_port()))
    monkeypatch.setenv("LOUPE_HTTP_INTERFACE_HOST", "0.0.0.0")
    settings = load_settings()
    with (
        open_warehouse(settings) as warehouse,
        pytest.raises(ConfigError, match=r"http_interface_host=0\.0\.0\.0"),
        serve_interface(settings, warehouse),
    ):
        pass


def test_started_in_process_and_stopped_with_its_file_removed(
    loupe_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    monkeypatch.setenv("LOUPE_HTTP_INTERFACE_PORT", str(port))
    settings = load_settings()
    with open_warehouse(settings) as warehouse:
        with serve_interface(settings, warehouse) as running:
            assert running is not None
            password = json.loads((settings.data_dir / ADMIN_FILE).read_text())["password"]
            answer = httpx.post(running.url, content="SELECT 1 + 1", auth=("admin", password))
            assert answer.text == "2\n"
            assert (
                httpx.post(running.url, content="SELECT 1", auth=("reader", "")).status_code == 401
            )
        assert not (settings.data_dir / ADMIN_FILE).exists()
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/ping")


def test_accepted_connections_send_without_waiting_for_acks() -> None:
    """TCP_NODELAY on every connection the event loop accepts from the listening socket: without
    it, a response's body waits behind its headers for the client's delayed ACK."""

    async def accepted_nodelay() -> int:
        listening = bind("127.0.0.1", 0)
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def accepted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = writer.get_extra_info("socket")
            seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(accepted, sock=listening)
        async with server:
            _, writer = await asyncio.open_connection(*listening.getsockname()[:2])
            value = await asyncio.wait_for(seen, 10)
            writer.close()
        return value

    assert asyncio.run(accepted_nodelay()) != 0


def test_turned_off_by_port_zero_and_absent_on_the_server_engine(loupe_env: Path) -> None:
    settings = load_settings(http_interface_port=0)
    with open_warehouse(settings) as warehouse, serve_interface(settings, warehouse) as running:
        assert running is None
    server = load_settings(engine="server")
    with serve_interface(server, object()) as running:  # type: ignore[arg-type]
        assert running is None


@pytest.mark.slow
def test_serve_stops_cleanly_and_removes_the_admin_file(loupe_env: Path) -> None:
    _migrated(loupe_env)
    port = free_port()
    process = LoupeProcess(
        loupe_env, "serve",
        env={"LOUPE_HTTP_INTERFACE_PORT": str(port), "LOUPE_COLLECTOR_TOKEN": "t",
             "LOUPE_COLLECTOR_PORT": str(free_port())},
    )  # fmt: skip
    try:
        process.wait_for("ClickHouse HTTP interface on")
        process.wait_for("Uvicorn running")  # the collector: SIGTERM is handled from then on
        assert (loupe_env / "warehouse" / ADMIN_FILE).exists()
        assert process.stop() == 0
        assert not (loupe_env / "warehouse" / ADMIN_FILE).exists()
    finally:
        process.kill()
