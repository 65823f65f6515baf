"""The production database: SQLite (`sqlite:///path`) or MariaDB/MySQL (`mysql://...`, pymysql).

A run creates the tables (`shopdb_schema.sql`), then writes each commit's changes (at least
hourly in simulated time) in one transaction with batched statements (`shopdb_queries.sql`), so
the database always matches the traffic simulated so far and a rerun with the same seed gives
the same contents. A database that already has tables (any table: it may be a real shop's) is
written only when the run is told to replace them; then the shop's tables are dropped and
created again.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from loupe import sqlfiles
from loupe.errors import LoupeError
from loupe.simulate.shopstate import Changes


class DatabaseNotEmptyError(LoupeError):
    """The production database the simulator was pointed at already has tables."""


def db_time(epoch_ms: int) -> str:
    """UTC `YYYY-MM-DD HH:MM:SS.mmm`, which both SQLite and MariaDB DATETIME(3) take."""
    seconds, millis = divmod(epoch_ms, 1000)
    return f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(seconds))}.{millis:03d}"


@dataclass(frozen=True)
class DatabaseUrl:
    """A parsed production database URL."""

    kind: str  # "sqlite" or "mysql"
    path: Path | None = None
    host: str = "127.0.0.1"
    port: int = 3306
    user: str = "root"
    password: str = ""
    database: str = ""

    @classmethod
    def parse(cls, url: str) -> DatabaseUrl:
        """`sqlite:///relative.db`, `sqlite:////absolute.db` or `mysql://user:pw@host:port/db`."""
        if url.startswith("sqlite:///"):
            return cls("sqlite", path=Path(url[len("sqlite:///") :]))
        parts = urlsplit(url)
        if parts.scheme in ("mysql", "mysql+pymysql", "mariadb") and parts.path.strip("/"):
            return cls(
                "mysql",
                host=parts.hostname or "127.0.0.1",
                port=parts.port or 3306,
                user=unquote(parts.username or "root"),
                password=unquote(parts.password or ""),
                database=parts.path.strip("/"),
            )
        raise ValueError(f"unsupported database URL (want sqlite:///path or mysql://...): {url!r}")


def redact(url: str) -> str:
    """The URL with its password hidden, for messages."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url


def _sql_file(name: str) -> str:
    """A SQL file of the simulator (`simulate/NAME.sql`)."""
    return sqlfiles.load("loupe.simulate", name, folder="")


def _statements(text: str) -> list[str]:
    body = "\n".join(line for line in text.splitlines() if not line.startswith("--"))
    return [statement.strip() for statement in body.split(";") if statement.strip()]


def _named_queries(text: str) -> dict[str, str]:
    queries: dict[str, str] = {}
    name = None
    for line in text.splitlines():
        if line.startswith("-- name:"):
            name = line.split(":", 1)[1].strip()
            queries[name] = ""
        elif name and not line.startswith("--"):
            queries[name] += line + "\n"
    return {key: value.strip().rstrip(";") for key, value in queries.items()}


def connect(url: str) -> Any:
    """A DB-API connection for the URL (the SQLite file's folder is created)."""
    parsed = DatabaseUrl.parse(url)
    if parsed.kind == "sqlite":
        assert parsed.path is not None
        parsed.path.parent.mkdir(parents=True, exist_ok=True)
        return sqlite3.connect(parsed.path)
    import pymysql

    return pymysql.connect(
        host=parsed.host,
        port=parsed.port,
        user=parsed.user,
        password=parsed.password,
        database=parsed.database,
        charset="utf8mb4",
        autocommit=False,
    )


def existing_tables(url: str) -> list[str]:
    """The tables the database at `url` holds already (none for a SQLite file not yet there).

    Reads only: a missing SQLite file is not created, so a refused run leaves nothing behind.
    """
    parsed = DatabaseUrl.parse(url)
    try:
        if parsed.kind == "sqlite":
            assert parsed.path is not None
            if not parsed.path.exists():
                return []
            uri = f"{parsed.path.resolve().as_uri()}?mode=ro"
            with closing(sqlite3.connect(uri, uri=True)) as lite:
                rows = lite.execute(_named_queries(_sql_file("shopdb_tables"))["sqlite"]).fetchall()
            return [name for (name,) in rows]
        connection = connect(url)
        try:
            with connection.cursor() as cursor:
                cursor.execute(_named_queries(_sql_file("shopdb_tables"))["mysql"])
                return sorted(name for (name,) in cursor.fetchall())
        finally:
            connection.close()
    except Exception as exc:  # sqlite3 and pymysql errors alike: one line for the user
        raise LoupeError(f"production database {redact(url)}: {exc}") from exc


def refuse_tables(url: str, tables: list[str]) -> str:
    """Why a run without `replace` does not write into a database that has tables."""
    shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
    return (
        f"{redact(url)} already has tables ({shown}); the simulator would drop and recreate "
        "them: pass --replace if it holds nothing to keep"
    )


class ShopDatabase:
    """Writes the shop state's changes into the production database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.kind = DatabaseUrl.parse(url).kind
        self.connection = connect(url)
        queries = _named_queries(_sql_file("shopdb_queries"))
        if self.kind == "mysql":
            # pymysql's paramstyle is `format`; the files use `?` (no literal `?` or `%` in them).
            queries = {name: sql.replace("?", "%s") for name, sql in queries.items()}
        self.queries = queries

    def create(self, replace: bool = False) -> None:
        """Create the shop tables; drop them first only with `replace`, else refuse any tables.

        The check runs before any statement, so a refused run changes nothing.
        """
        tables = existing_tables(self.url)
        if tables and not replace:
            raise DatabaseNotEmptyError(refuse_tables(self.url, tables))
        cursor = self.connection.cursor()
        for statement in _statements(_sql_file("shopdb_schema")):
            cursor.execute(statement)
        self.connection.commit()

    def write(self, changes: Changes) -> None:
        """Apply one batch of changes in a transaction."""
        cursor = self.connection.cursor()
        run = self._runner(cursor)
        run("replace_user", [(u.id, u.email, db_time(u.created_ms), _time(u.last_login_ms))
                             for u in changes.users])  # fmt: skip
        run("replace_item", [
            (i.id, i.sku, i.section, i.material, i.metal, i.stone, i.motif, i.price, i.old_price,
             db_time(at_ms))
            for i, at_ms in changes.items
        ])  # fmt: skip
        run("replace_stock", [(i.id, i.stock, db_time(at_ms)) for i, at_ms in changes.stock])
        run("delete_cart_line", changes.cart_removed)
        run("insert_cart_line", [
            (key, item_id, line.user_id, line.session_id, line.qty, line.price,
             db_time(line.added_ms), db_time(line.updated_ms))
            for key, item_id, line in changes.cart_rows
        ])  # fmt: skip
        run("delete_favorite", changes.favorites_removed)
        run("insert_favorite", [(u, i, db_time(ms)) for u, i, ms in changes.favorite_rows])
        run("insert_order", [
            (o.id, o.user_id, o.session_id, db_time(o.created_ms), "created", o.subtotal,
             o.subtotal - o.total, o.total, o.promo)
            for o in changes.orders
        ])  # fmt: skip
        run("insert_order_item", [
            (o.id, item_id, qty, price) for o in changes.orders for item_id, qty, price in o.lines
        ])  # fmt: skip
        self.connection.commit()

    def _runner(self, cursor: Any):
        def run(name: str, rows: list) -> None:
            for start in range(0, len(rows), 5_000):
                cursor.executemany(self.queries[name], rows[start : start + 5_000])

        return run

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()


def _time(epoch_ms: int | None) -> str | None:
    return None if epoch_ms is None else db_time(epoch_ms)
