"""`loupe init` links the production database: SQLite file and MariaDB over TCP."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from loupe.errors import LoupeError
from loupe.schema.init import initialise
from loupe.schema.link import link_production
from loupe.settings import load_settings
from loupe.warehouse import Warehouse, open_warehouse
from tests.helpers.mariadb import MariaDB
from tests.helpers.servers import free_port


def test_init_links_sqlite_and_reads_live(loupe_env: Path) -> None:
    shop = loupe_env / "shop.sqlite"
    with sqlite3.connect(shop) as db:
        db.execute("CREATE TABLE stock (item_id INTEGER PRIMARY KEY, qty INTEGER)")
        db.execute("INSERT INTO stock VALUES (1, 5), (2, 0)")
    settings = load_settings(production_url=f"sqlite:///{shop}")
    with open_warehouse(settings) as warehouse:
        report = initialise(settings, warehouse)
        assert report.linked_tables == ["stock"]
        assert warehouse.scalar("SELECT sum(qty) FROM mysql.stock") == 5
        with sqlite3.connect(shop) as db:
            db.execute("UPDATE stock SET qty = 9 WHERE item_id = 2")
        assert warehouse.scalar("SELECT sum(qty) FROM mysql.stock") == 14  # live, not a copy
        assert initialise(settings, warehouse).applied == []


def test_init_links_mariadb_over_tcp(loupe_env: Path, mariadb: MariaDB) -> None:
    with mariadb.connect() as db, db.cursor() as cursor:
        cursor.execute("CREATE TABLE items (id INT PRIMARY KEY, sku VARCHAR(32), price DOUBLE)")
        cursor.execute("INSERT INTO items VALUES (1, 'R-1', 199.90), (2, 'E-2', 50.00)")
    linked = load_settings(production_url=mariadb.url)
    with open_warehouse(linked) as warehouse:
        report = initialise(linked, warehouse)
        assert report.linked_tables == ["items"]
        assert mariadb.password not in report.link
        rows = warehouse.rows("SELECT id, sku FROM mysql.items ORDER BY id")
        assert rows == [{"id": 1, "sku": "R-1"}, {"id": 2, "sku": "E-2"}]


def test_unreachable_production_database_is_clear(warehouse: Warehouse) -> None:
    url = f"mysql://loupe:hunter2-secret@127.0.0.1:{free_port()}/shop"
    with pytest.raises(LoupeError) as caught:
        link_production(warehouse, url)
    assert "unreachable" in str(caught.value)
    assert "hunter2-secret" not in str(caught.value)
    assert warehouse.scalar("SELECT count() FROM system.databases WHERE name = 'mysql'") == 0


def test_missing_sqlite_file_is_clear(warehouse: Warehouse, tmp_path: Path) -> None:
    with pytest.raises(LoupeError, match="does not exist"):
        link_production(warehouse, f"sqlite:///{tmp_path / 'nope.sqlite'}")


@pytest.mark.mariadb
def test_failed_init_keeps_the_working_link(
    loupe_env: Path, mariadb: MariaDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from loupe.cli import app

    with mariadb.connect() as db, db.cursor() as cursor:
        cursor.execute("CREATE TABLE orders (id INT PRIMARY KEY, total INT)")
        cursor.execute("INSERT INTO orders VALUES (1, 2400)")
    runner = CliRunner()
    monkeypatch.setenv("LOUPE_PRODUCTION_URL", mariadb.url)
    assert runner.invoke(app, ["init"]).exit_code == 0
    unreachable = f"mysql://loupe:hunter2-secret@127.0.0.1:{free_port()}/shop"
    monkeypatch.setenv("LOUPE_PRODUCTION_URL", unreachable)
    failed = runner.invoke(app, ["init"])
    assert failed.exit_code == 1
    assert len(failed.stderr.splitlines()) == 1
    assert "error: production database 127.0.0.1:" in failed.stderr
    assert "/shop is unreachable: " in failed.stderr and "hunter2-secret" not in failed.stderr
    # The link still reads MariaDB, in this process and the next (with either setting).
    answer = runner.invoke(app, ["sql", "SELECT total FROM mysql.orders", "--format", "TSV"])
    assert answer.exit_code == 0 and answer.stdout.strip() == "2400"
    databases = runner.invoke(app, ["sql", "SHOW DATABASES", "--format", "TSV"]).stdout.split()
    assert "mysql" in databases and "mysql_trial" not in databases
    monkeypatch.setenv("LOUPE_PRODUCTION_URL", mariadb.url)
    with open_warehouse(load_settings()) as warehouse:
        assert warehouse.scalar("SELECT sum(total) FROM mysql.orders") == 2400
