"""`loupe snapshot` through Typer's CLI runner, on a SQLite production database."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tests.helpers.shop import Shop

runner = CliRunner()


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    """The `loupe` app with `snapshot` registered (at test time, not collection time)."""
    import loupe.cli.history  # noqa: F401  (registers the command)
    from loupe.cli import app

    return app


@pytest.fixture
def sqlite_shop(loupe_env: Path, monkeypatch: pytest.MonkeyPatch) -> Shop:
    import sqlite3

    path = loupe_env / "shop.sqlite"
    shop = Shop("sqlite", f"sqlite:///{path}", lambda: sqlite3.connect(path))
    shop.create_tables()
    t = "2026-11-20 10:00:00.000"
    shop.execute(
        f"INSERT INTO items VALUES (?, ?, 'rings', 'gold', NULL, NULL, NULL, 100, NULL, '{t}')",
        (1, "R-1"),
        (2, "R-2"),
    )
    shop.execute(f"INSERT INTO stock VALUES (?, 3, '{t}')", (1,), (2,))
    shop.execute(f"INSERT INTO orders VALUES (1, 7, 's', '{t}', 'created', 100, 0, 100, NULL)")
    monkeypatch.setenv("LOUPE_PRODUCTION_URL", shop.url)
    return shop


@pytest.mark.slow
def test_snapshot_command(app: typer.Typer, sqlite_shop: Shop) -> None:
    assert runner.invoke(app, ["init"]).exit_code == 0
    first = runner.invoke(app, ["snapshot"])
    assert first.exit_code == 0, first.output
    assert "history.items: 2 versions written (2 source rows read, all rows)" in first.output
    assert "history.stock: 2 versions written" in first.output
    assert "copies refreshed: dwh.items 2, dwh.orders 1, dwh.order_items 0" in first.output
    assert "unmatched orders: 1" in first.output  # the order was never logged by the API

    sqlite_shop.execute(
        "UPDATE stock SET quantity = 2, updated_at = '2026-11-21' WHERE item_id = 2"
    )
    second = runner.invoke(app, ["snapshot", "--entities", "items,stock", "--days", "1"])
    assert second.exit_code == 0, second.output
    assert "history.items: 0 versions written" in second.output
    assert "history.stock: 1 versions written (2 source rows read, changed rows)" in second.output

    # A backfill dated before the newest snapshot is refused in one line, history unchanged.
    backfill = runner.invoke(app, ["snapshot", "--as-of", "2026-11-21T00:00:00"])
    assert backfill.exit_code == 1
    assert "history already holds a snapshot as of" in backfill.output
    assert len(backfill.output.strip().splitlines()) == 1
    assert "history.cart" not in second.output

    full = runner.invoke(app, ["snapshot", "--entities", "stock", "--full"])
    assert "history.stock: 0 versions written (2 source rows read, all rows)" in full.output


def test_unknown_entity_is_one_clear_line(app: typer.Typer, sqlite_shop: Shop) -> None:
    result = runner.invoke(app, ["snapshot", "--entities", "wishlist"])
    assert result.exit_code == 1
    assert "error: unknown entities wishlist (configured: items, stock, cart, favorites)" in (
        result.output
    )


def _wrong_urls(base: Path, port: int) -> dict[str, tuple[str, str]]:
    """Each wrong production_url, and the one line `loupe snapshot` must answer it with."""
    shop = base / "shop.sqlite"
    return {
        "postgres": (
            "postgres://shop:pw@db.example/shop",
            "error: production_url: unsupported scheme 'postgres' (mysql:// or sqlite:///)",
        ),
        "unreachable port": (
            f"mysql://loupe:pw@127.0.0.1:{port}/shop",
            f"error: production_url names mysql://loupe@127.0.0.1:{port}/shop but the `mysql` "
            f"link reads sqlite:{shop}: run `loupe init` to link the new one",
        ),
        "missing sqlite file": (
            "sqlite:///tmp/shop.sqlite",
            f"error: production database file {base}/tmp/shop.sqlite does not exist "
            f"(sqlite:///tmp/shop.sqlite, relative to the working directory {base}; for the "
            "absolute path /tmp/shop.sqlite, write sqlite:////tmp/shop.sqlite)",
        ),
        "empty": (
            "",
            "error: production_url is empty: there is no production database to snapshot",
        ),
    }


@pytest.mark.parametrize("case", ["postgres", "unreachable port", "missing sqlite file", "empty"])
def test_snapshot_refuses_a_wrong_production_url(
    app: typer.Typer, sqlite_shop: Shop, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    from tests.helpers.servers import free_port

    assert runner.invoke(app, ["init"]).exit_code == 0
    assert runner.invoke(app, ["snapshot", "--entities", "items"]).exit_code == 0
    url, line = _wrong_urls(Path.cwd(), free_port())[case]
    monkeypatch.setenv("LOUPE_PRODUCTION_URL", url)
    result = runner.invoke(app, ["snapshot", "--entities", "items"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [line]
    assert "history.items" not in result.stdout
    monkeypatch.setenv("LOUPE_PRODUCTION_URL", sqlite_shop.url)  # the link itself is untouched
    again = runner.invoke(app, ["snapshot", "--entities", "items"])
    assert "history.items: 0 versions written (2 source rows read" in again.output


def test_snapshot_without_a_link_to_an_unreachable_database(
    app: typer.Typer, loupe_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.helpers.servers import free_port

    assert runner.invoke(app, ["migrate"]).exit_code == 0
    port = free_port()
    monkeypatch.setenv("LOUPE_PRODUCTION_URL", f"mysql://loupe:hunter2@127.0.0.1:{port}/shop")
    result = runner.invoke(app, ["snapshot"])
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"error: production database 127.0.0.1:{port}/shop is ")
    assert "unreachable: " in result.stderr and "hunter2" not in result.stderr
