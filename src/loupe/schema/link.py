"""The production link: the `mysql` database of the warehouse, and the live views read through it.

The link is a ClickHouse database engine over the production database: `MySQL(...)` for a
MySQL/MariaDB URL, `SQLite(...)` for the embedded default's SQLite file. Its tables are read live.
It is recreated on every `loupe init` (dropping a link database never touches the source), and
replaced only by a link that answers: a failed init leaves the working one in place. `loupe
snapshot` checks it (`check_link`) before reading the production database.

`dwh.icart` and `dwh.ifavs` are views over the link (`sql/icart.sql`, `sql/ifavs.sql`), so they
exist only once the link does: `create_live_views` (re)creates them after it, never a migration.
This module sits below `loupe.history`, which reads the production database through the link.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from loupe import sqlfiles
from loupe.errors import ConfigError, LoupeError
from loupe.logs import register_secret
from loupe.warehouse import Warehouse

LINK_DATABASE = "mysql"
# Where a new link is tried before it replaces the working one.
TRIAL_LINK_DATABASE = "mysql_trial"
# The production tables the live inventory views (dwh.icart, dwh.ifavs) read.
LIVE_VIEW_SOURCES = {"items", "stock", "cart", "favorites"}
LIVE_VIEWS = ("icart", "ifavs")


@dataclass(frozen=True)
class Link:
    """The link a production URL asks for: its engine (`sql/link_<engine>.sql`) and the
    engine's arguments, a printable description, and its identity (the URL without the
    password, absolute path for SQLite), kept as the link database's COMMENT so that a later run
    can tell whether the link still matches the setting."""

    engine: str
    description: str
    identity: str
    arguments: dict[str, str] = field(default_factory=dict)

    def create(self, warehouse: Warehouse, name: str) -> None:
        """`CREATE DATABASE name ...` (the password, if any, is an engine argument)."""
        statement = sqlfiles.render("loupe.schema", f"link_{self.engine}", identity=self.identity)
        warehouse.command(statement, {"database": name, **self.arguments})


def sqlite_path(production_url: str) -> Path:
    """The file of a `sqlite:///` URL: relative to the working directory after three slashes,
    absolute after four (`sqlite:////srv/shop.sqlite`); an error naming the file if missing."""
    written = unquote(production_url[len("sqlite:///") :])
    path = Path(written).resolve()
    if not path.is_file():
        where = f"{production_url}"
        if not written.startswith("/"):
            where += (
                f", relative to the working directory {Path.cwd()}; "
                f"for the absolute path /{written}, write sqlite:////{written}"
            )
        raise LoupeError(f"production database file {path} does not exist ({where})")
    return path


def link_for(production_url: str) -> Link:
    """The link a `production_url` asks for (a clear error for an unusable URL)."""
    parts = urlsplit(production_url)
    if not production_url:
        raise ConfigError("production_url is empty: no production database is configured")
    if production_url.startswith("sqlite:///"):
        path = str(sqlite_path(production_url))
        return Link("sqlite", path, f"sqlite:{path}", {"path": path})
    if parts.scheme in ("mysql", "mariadb"):
        if not parts.hostname or not parts.path.strip("/"):
            raise ConfigError("production_url must look like mysql://user:password@host:port/db")
        password = unquote(parts.password or "")
        register_secret(password)
        address = f"{parts.hostname}:{parts.port or 3306}"
        database = parts.path.strip("/")
        user = unquote(parts.username or "root")
        description = f"{address}/{database}"
        arguments = {
            "address": address,
            "source_database": database,
            "user": user,
            "password": password,
        }
        return Link("mysql", description, f"mysql://{user}@{description}", arguments)
    raise ConfigError(
        f"production_url: unsupported scheme {parts.scheme!r} (mysql:// or sqlite:///)"
    )


def _tables(warehouse: Warehouse, database: str) -> list[str]:
    rows = warehouse.rows(sqlfiles.load("loupe.schema", "database_tables"), {"db": database})
    return [row["name"] for row in rows]


def _drop(warehouse: Warehouse, database: str) -> None:
    warehouse.command(sqlfiles.load("loupe.schema", "drop_database"), {"database": database})


def link_production(warehouse: Warehouse, production_url: str) -> tuple[str, list[str]]:
    """(Re)create the `mysql` link schema and check the source answers; return its tables.

    The new link is made under a temporary name first; the working `mysql` link is replaced
    only once the new one has listed its tables (ClickHouse cannot rename a MySQL or SQLite
    database, so the swap is a drop and a create of a link already known to answer).
    """
    link = link_for(production_url)
    _drop(warehouse, TRIAL_LINK_DATABASE)
    try:
        link.create(warehouse, TRIAL_LINK_DATABASE)
        _tables(warehouse, TRIAL_LINK_DATABASE)
    except LoupeError as exc:
        raise LoupeError(f"production database {link.description} is unreachable: {exc}") from exc
    finally:
        _drop(warehouse, TRIAL_LINK_DATABASE)
    _drop(warehouse, LINK_DATABASE)
    link.create(warehouse, LINK_DATABASE)
    return link.description, _tables(warehouse, LINK_DATABASE)


def linked_identity(warehouse: Warehouse) -> str | None:
    """The identity the `mysql` link was made for; None without a link, "" for one made
    before links carried it."""
    rows = warehouse.rows(sqlfiles.load("loupe.schema", "database_comment"), {"db": LINK_DATABASE})
    return rows[0]["comment"] if rows else None


def check_link(warehouse: Warehouse, production_url: str) -> list[str]:
    """Make sure `mysql` reads the database `production_url` names and that it answers.

    A missing link (or one from before links carried their identity) is made; a link to
    another database is an error (relinking is `loupe init`'s decision, not a snapshot's).
    """
    if not production_url:
        raise LoupeError("production_url is empty: there is no production database to read")
    link = link_for(production_url)
    current = linked_identity(warehouse)
    if not current:
        return link_production(warehouse, production_url)[1]
    if current != link.identity:
        raise LoupeError(
            f"production_url names {link.identity} but the `{LINK_DATABASE}` link reads "
            f"{current}: run `loupe init` to link the new one"
        )
    try:
        return _tables(warehouse, LINK_DATABASE)
    except LoupeError as exc:
        raise LoupeError(f"production database {link.description} is unreachable: {exc}") from exc


def create_live_views(warehouse: Warehouse) -> list[str]:
    """(Re)create the live inventory views over the `mysql` link; return their names."""
    for view in LIVE_VIEWS:
        warehouse.command(sqlfiles.load("loupe.schema", view))
    return [f"dwh.{view}" for view in LIVE_VIEWS]
