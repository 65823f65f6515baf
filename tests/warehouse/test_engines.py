"""The engines: parameter binding, errors, the one-process lock, an unreachable server."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pyarrow as pa
import pytest

from loupe.errors import LoupeError, QueryError, WarehouseUnavailableError
from loupe.schema.migrate import discover
from loupe.settings import Settings, load_settings
from loupe.warehouse import Warehouse, open_warehouse


def in_another_process(code: str, data_dir: Path) -> subprocess.CompletedProcess:
    """Run Python `code` (with load_settings and open_warehouse imported) in a new process."""
    script = (
        "from loupe.settings import load_settings\n"
        "from loupe.warehouse import open_warehouse\n" + code + "\n"
    )
    env = {**os.environ, "LOUPE_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )


TRICKY_TEXT = 'line1\nline2\ttab \\ back\'slash "quotes" Кольцо'


def test_parameters_are_bound_not_formatted(warehouse: Warehouse) -> None:
    row = warehouse.rows(
        "SELECT {text:String} AS text, {items:Array(String)} AS items, {n:UInt32} + 1 AS n",
        {"text": TRICKY_TEXT, "items": ["a'b", "c\nd", "Серьги"], "n": 41},
    )[0]
    assert row == {"text": TRICKY_TEXT, "items": ["a'b", "c\nd", "Серьги"], "n": 42}


def test_injection_attempt_stays_a_value(warehouse: Warehouse) -> None:
    hostile = "x' OR 1=1; DROP DATABASE pd; --"
    assert warehouse.scalar("SELECT {v:String}", {"v": hostile}) == hostile
    assert warehouse.scalar("SELECT count() FROM system.databases WHERE name = 'pd'") == 1


def test_query_error_is_one_clear_line(warehouse: Warehouse) -> None:
    with pytest.raises(QueryError) as caught:
        warehouse.query("SELECT * FROM pd.no_such_table")
    message = str(caught.value)
    assert "no_such_table" in message
    assert "\n" not in message


def test_insert_arrow_matches_columns_by_name(warehouse: Warehouse) -> None:
    warehouse.command("CREATE TABLE etl.t (a UInt32, b String) ENGINE = MergeTree ORDER BY a")
    warehouse.insert_arrow("etl.t", pa.table({"b": ["x", "y"], "a": pa.array([2, 1], pa.uint32())}))
    assert warehouse.rows("SELECT a, b FROM etl.t ORDER BY a") == [
        {"a": 1, "b": "y"},
        {"a": 2, "b": "x"},
    ]


@pytest.mark.slow
def test_second_process_gets_clear_lock_error(warehouse: Warehouse, settings: Settings) -> None:
    done = in_another_process("open_warehouse(load_settings())", settings.data_dir)
    assert done.returncode != 0
    assert f"in use by pid {os.getpid()}" in done.stderr
    assert "loupe serve" in done.stderr
    # The holder is unaffected and the directory intact.
    assert warehouse.scalar("SELECT count() FROM etl.schema_migrations") == len(discover())


@pytest.mark.slow
def test_cli_in_second_process_prints_one_line(warehouse: Warehouse, settings: Settings) -> None:
    env = {**os.environ, "LOUPE_DATA_DIR": str(settings.data_dir)}
    loupe = Path(sys.executable).with_name("loupe")
    done = subprocess.run(
        [str(loupe), "sql", "SELECT 1"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert "error:" in done.stderr and f"pid {os.getpid()}" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_lock_is_released_on_close(settings: Settings) -> None:
    with open_warehouse(settings) as first:
        first.command("CREATE DATABASE IF NOT EXISTS etl")
    done = in_another_process(
        "with open_warehouse(load_settings()) as w: print(w.scalar('SELECT 7'))", settings.data_dir
    )
    assert done.stdout.strip() == "7", done.stderr


def test_a_closed_engine_does_not_reconnect(settings: Settings, tmp_path: Path) -> None:
    with open_warehouse(settings) as first:
        first.scalar("SELECT 1")
    stale = threading.Thread(target=lambda: errors.append(_query_error(first)))
    errors: list[str] = []
    stale.start()
    stale.join()
    assert errors == [f"the embedded warehouse {settings.data_dir.resolve()} is closed"]
    with open_warehouse(load_settings(data_dir=tmp_path / "next")) as other:
        assert other.scalar("SELECT 2") == 2  # chDB was not kept on the first directory


def _query_error(warehouse: Warehouse) -> str:
    try:
        warehouse.scalar("SELECT 1")
    except LoupeError as exc:
        return str(exc)
    return "no error"


def test_one_directory_per_process(warehouse: Warehouse, tmp_path: Path) -> None:
    with pytest.raises(LoupeError, match="one data directory per process"):
        open_warehouse(load_settings(data_dir=tmp_path / "other"))


def test_the_embedded_engine_has_a_server_sized_background_pool(warehouse: Warehouse) -> None:
    """Hourly runs mask visits with DELETEs, one background task per part; with chDB's default
    pool (the cores) they queue behind merges (docs/etl.md)."""
    pool = warehouse.scalar(
        "SELECT value FROM system.server_settings WHERE name = 'background_pool_size'"
    )
    assert pool == "16"


def test_unreachable_server_is_a_clear_error(loupe_env: Path) -> None:
    from tests.helpers.servers import free_port

    settings = load_settings(
        engine="server", clickhouse_port=free_port(), clickhouse_password="s3cret-pass"
    )
    with open_warehouse(settings) as server, pytest.raises(WarehouseUnavailableError) as caught:
        server.query("SELECT 1")
    assert "localhost" in str(caught.value)
    assert "s3cret-pass" not in str(caught.value)
    assert "s3cret-pass" not in repr(settings)
