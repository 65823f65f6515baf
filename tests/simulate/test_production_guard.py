"""`loupe simulate` never writes a production database it was not told to: MariaDB over TCP.

Without `--db` it writes none, whatever `production_url` says; with `--db` it refuses a database
that has tables unless `--replace` is given, before anything is written.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tests.helpers.mariadb import MariaDB
from tests.helpers.shop import SCHEMA

runner = CliRunner()
SMALL = ["--days", "1", "--visits-per-day", "40", "--items", "60", "--start", "2026-11-20"]
ORDER = (990001, 17, "real-session", "2026-11-01 09:00:00.000", "created", 2400, 0, 2400, None)


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    """The `loupe` app with `simulate` registered (at test time, not collection time)."""
    import loupe.cli.simulate  # noqa: F401
    from loupe.cli import app

    return app


@pytest.fixture
def real_shop(mariadb: MariaDB) -> MariaDB:
    """The shop's tables on MariaDB with one real order in them."""
    body = "\n".join(line for line in SCHEMA.splitlines() if not line.startswith("--"))
    with mariadb.connect() as connection, connection.cursor() as cursor:
        for statement in filter(str.strip, body.split(";")):
            cursor.execute(statement)
        cursor.execute("INSERT INTO orders VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", ORDER)
    return mariadb


def orders(shop: MariaDB) -> list[tuple]:
    with shop.connect() as connection, connection.cursor() as cursor:
        cursor.execute("SELECT id, session_id FROM orders ORDER BY id")
        return list(cursor.fetchall())


@pytest.mark.mariadb
def test_simulate_without_db_leaves_production_alone(
    app: typer.Typer, loupe_env: Path, real_shop: MariaDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOUPE_PRODUCTION_URL", real_shop.url)  # the README's own command:
    result = runner.invoke(app, ["simulate", *SMALL, "--out", "calls"])
    assert result.exit_code == 0, result.output
    assert "production database: none" in result.output
    assert orders(real_shop) == [(990001, "real-session")]
    assert not (loupe_env / ".loupe" / "shop.sqlite").exists()


@pytest.mark.mariadb
def test_db_with_tables_needs_replace(
    app: typer.Typer, loupe_env: Path, real_shop: MariaDB
) -> None:
    args = ["simulate", *SMALL, "--out", "calls", "--db", real_shop.url]
    refused = runner.invoke(app, args, prog_name="loupe")
    assert refused.exit_code == 2
    url = real_shop.url.replace(real_shop.password, "***")
    assert refused.stderr.splitlines() == [
        f"error: --db {url} already has tables (cart, favorites, items, order_items, orders, "
        "...); the simulator would drop and recreate them: pass --replace if it holds nothing "
        "to keep (see `loupe simulate --help`)"
    ]
    assert real_shop.password not in refused.output
    assert orders(real_shop) == [(990001, "real-session")]
    assert not (loupe_env / "calls").exists()  # refused before any file was written

    replaced = runner.invoke(app, [*args, "--replace"])
    assert replaced.exit_code == 0, replaced.output
    assert (990001, "real-session") not in orders(real_shop)


def test_db_on_a_new_sqlite_file_and_replace_without_db(app: typer.Typer, loupe_env: Path) -> None:
    args = ["simulate", *SMALL, "--out", "calls", "--db", "sqlite:///lab/shop.sqlite"]
    assert runner.invoke(app, args).exit_code == 0  # an empty database: no --replace needed
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and "already has tables" in again.stderr
    alone = runner.invoke(
        app, ["simulate", *SMALL, "--out", "calls", "--replace"], prog_name="loupe"
    )
    assert alone.exit_code == 2
    assert alone.stderr.splitlines() == [
        "error: --replace applies to the database of --db, and none was given "
        "(see `loupe simulate --help`)"
    ]


@pytest.mark.mariadb
def test_demo_does_not_replace_a_database_that_is_not_its_own(
    app: typer.Typer, loupe_env: Path, real_shop: MariaDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOUPE_PRODUCTION_URL", real_shop.url)
    result = runner.invoke(app, ["demo", "--days", "1", "--visits-per-day", "20"])
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1
    assert "already has tables" in result.stderr and "the demo's own" in result.stderr
    assert orders(real_shop) == [(990001, "real-session")]
