"""Shared fixtures: settings in a temporary directory, a real chDB warehouse, real HTTP servers.

chDB opens one data directory per process at a time, so each test gets its own directory and the
fixture closes it afterwards (a test that needs the warehouse again reopens the same path).
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymysql
import pytest

from loupe.schema.ddl import DDL
from loupe.schema.migrate import migrate
from loupe.settings import Settings, load_settings
from loupe.warehouse import Warehouse, open_warehouse
from tests.small_disk import SmallDisk, mount_small_disk

# Long-running commands serve ClickHouse's HTTP interface on 8123 by default: tests that start
# them (in parallel, beside other work on the machine) turn it off unless they test it.
os.environ.setdefault("LOUPE_HTTP_INTERFACE_PORT", "0")

LOUPE_ENV = (
    "LOUPE_DATA_DIR",
    "LOUPE_SPOOL_DIR",
    "LOUPE_PRODUCTION_URL",
    "LOUPE_ENGINE",
    "LOUPE_COLLECTOR_TOKEN",
    "LOUPE_CONFIG",
)


@pytest.fixture
def loupe_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every Loupe path at `tmp_path` through the environment (as a user would)."""
    for name in LOUPE_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOUPE_DATA_DIR", str(tmp_path / "warehouse"))
    monkeypatch.setenv("LOUPE_SPOOL_DIR", str(tmp_path / "spool"))
    monkeypatch.setenv("LOUPE_PRODUCTION_URL", "")
    return tmp_path


@pytest.fixture
def settings(loupe_env: Path) -> Settings:
    return load_settings()


@pytest.fixture
def warehouse(settings: Settings) -> Iterator[Warehouse]:
    """A fresh, migrated embedded warehouse, closed after the test."""
    with open_warehouse(settings) as opened:
        migrate(opened, DDL())
        yield opened


@pytest.fixture
def small_disk(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[SmallDisk]:
    """A 40 MB tmpfs (tests/small_disk.py), unmounted after the test."""
    disk = mount_small_disk(
        tmp_path / "small-disk", 40, request.node.nodeid, request.config.rootpath
    )
    try:
        yield disk
    finally:
        disk.unmount()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve_asgi(app: object, **config: Any) -> Iterator[str]:
    """Serve an ASGI app with a real uvicorn server on loopback (more `uvicorn.Config` options in
    `config`); yield its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", **config
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def serve_wsgi(app: object) -> Iterator[str]:
    """Serve a WSGI app with werkzeug's real HTTP server on loopback; yield its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)


def api_call(**overrides: object) -> dict:
    """A valid API-call record, as the contract describes it."""
    record = {
        "ts": "2026-11-20T10:15:30.123Z",
        "session_id": "sess-1",
        "user_id": None,
        "method": "GET",
        "endpoint": "/api/v1/catalog",
        "status": 200,
        "duration_ms": 35,
        "request": {"section": "rings", "page": 1},
        "response": {"total": 2, "items": [{"id": 1, "price": 100}, {"id": 2, "price": 120}]},
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
        "ip": "203.0.113.7",
        "referer": "https://shop.example/",
    }
    record.update(overrides)
    return record


@dataclass(frozen=True)
class MariaDB:
    """A dedicated database and user on the MariaDB server, dropped after the test."""

    host: str
    port: int
    database: str
    user: str
    password: str

    @property
    def url(self) -> str:
        return f"mysql://{self.user}:{self.password}@{self.host}:{self.port}/{self.database}"

    def connect(self) -> pymysql.connections.Connection:
        return pymysql.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            database=self.database,
            autocommit=True,
        )


@pytest.fixture
def mariadb() -> Iterator[MariaDB]:
    """A fresh database and user on the MariaDB server at 127.0.0.1:3306 (over TCP)."""
    try:
        admin = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="")
    except pymysql.err.OperationalError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"MariaDB not reachable at 127.0.0.1:3306: {exc}")
    suffix = uuid.uuid4().hex[:10]
    server = MariaDB("127.0.0.1", 3306, f"loupe_test_{suffix}", f"loupe_{suffix}", f"pw-{suffix}")
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {server.database}")
        for host in ("localhost", "127.0.0.1", "%"):
            cursor.execute(
                "CREATE USER %s@%s IDENTIFIED BY %s", (server.user, host, server.password)
            )
            cursor.execute(f"GRANT ALL ON {server.database}.* TO %s@%s", (server.user, host))
    try:
        yield server
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {server.database}")
            for host in ("localhost", "127.0.0.1", "%"):
                cursor.execute("DROP USER IF EXISTS %s@%s", (server.user, host))
        admin.close()
