"""A real `loupe serve` on a small warehouse, with its ClickHouse HTTP interface, for every test
of the package (one process: starting one takes seconds), and clients of each role."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest
from clickhouse_connect.driver.client import Client

from loupe.interface import read_admin_file
from loupe.schema.ddl import DDL
from loupe.schema.migrate import migrate
from loupe.settings import load_settings
from loupe.warehouse import open_warehouse
from tests.helpers.interface import READER_PASSWORD, SECRET, Served
from tests.helpers.processes import LoupeProcess
from tests.helpers.servers import free_port


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`loupe serve` with a reader enabled, over a migrated warehouse that has personal data in
    `pd`, a table and a view over `pd` in `dwh`, and a `mysql` database standing for the
    production link."""
    root = tmp_path_factory.mktemp("interface")
    port = free_port()
    env = {
        "LOUPE_DATA_DIR": str(root / "warehouse"),
        "LOUPE_SPOOL_DIR": str(root / "spool"),
        "LOUPE_PRODUCTION_URL": "",
        "LOUPE_COLLECTOR_TOKEN": "interface-test-token",
        "LOUPE_COLLECTOR_PORT": str(free_port()),
        "LOUPE_HTTP_INTERFACE_PORT": str(port),
        "LOUPE_HTTP_INTERFACE_USERS": json.dumps({"reader": {"password": READER_PASSWORD}}),
    }
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        with open_warehouse(load_settings()) as warehouse:
            migrate(warehouse, DDL())
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    process = LoupeProcess(root, "serve", env=env)
    try:
        process.wait_for("ClickHouse HTTP interface on")
        admin = read_admin_file(root / "warehouse")
        assert admin is not None
        served = Served(
            f"http://127.0.0.1:{port}/", "127.0.0.1", port, admin["password"],
            root / "warehouse", process,
        )  # fmt: skip
        _seed(served.client())
        yield served
    finally:
        process.kill()


def _seed(admin: Client) -> None:
    """What the reader must never reach, and what it may read."""
    admin.command(
        "CREATE TABLE pd.interface_people (email String) ENGINE = MergeTree ORDER BY email"
    )
    admin.command(f"INSERT INTO pd.interface_people VALUES ('{SECRET}')")
    admin.command("CREATE DATABASE IF NOT EXISTS mysql")
    admin.command("CREATE TABLE mysql.customers (email String) ENGINE = Memory")
    admin.command(f"INSERT INTO mysql.customers VALUES ('{SECRET}')")
    admin.command(
        "CREATE TABLE dwh.interface_probe (n UInt32, label String) ENGINE = MergeTree ORDER BY n"
    )
    admin.command("INSERT INTO dwh.interface_probe VALUES (1, 'one'), (2, 'two'), (3, 'three')")
    admin.command("CREATE VIEW dwh.interface_people_view AS SELECT email FROM pd.interface_people")
    admin.command("CREATE VIEW dwh.interface_probe_view AS SELECT n FROM dwh.interface_probe")
    admin.command(
        "CREATE TABLE dwh.interface_merge AS pd.interface_people ENGINE = Merge('pd', '^interface')"
    )
