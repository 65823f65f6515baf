"""`loupe init`: apply the migrations and link the production database as the `mysql` schema.

The link is a ClickHouse database engine over the production database: `MySQL(...)` for a
MySQL/MariaDB URL, `SQLite(...)` for the embedded default's SQLite file. Its tables are read live.
It is recreated on every init (dropping a link database never touches the source), and replaced
only by a link that answers: a failed init leaves the working one in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from loupe.errors import ConfigError, LoupeError
from loupe.logs import register_secret
from loupe.schema.ddl import DDL
from loupe.schema.migrate import migrate
from loupe.settings import Settings
from loupe.warehouse import Warehouse

LINK_DATABASE = "mysql"
# Where a new link is tried before it replaces the working one.
TRIAL_LINK_DATABASE = "mysql_trial"
# The production tables the live inventory views (dwh.icart, dwh.ifavs) read.
LIVE_VIEW_SOURCES = {"items", "stock", "cart", "favorites"}


@dataclass
class InitReport:
    """What `initialise` did."""

    applied: list[str] = field(default_factory=list)
    link: str = "not configured"
    linked_tables: list[str] = field(default_factory=list)
    live_views: list[str] = field(default_factory=list)


def _literal(value: str) -> str:
    """A ClickHouse string literal (engine arguments cannot be query parameters)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclass(frozen=True)
class Link:
    """The link a production URL asks for: its engine, a printable description, and its
    identity (the URL without the password, absolute path for SQLite), kept as the link
    database's COMMENT so that a later run can tell whether the link still matches the setting."""

    engine: str
    description: str
    identity: str

    def statement(self, name: str) -> str:
        """`CREATE DATABASE name ...` (the password, if any, is an engine argument)."""
        return f"CREATE DATABASE {name} ENGINE = {self.engine} COMMENT {_literal(self.identity)}"


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
                f"an absolute path takes four slashes: sqlite:////{written}"
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
        return Link(f"SQLite({_literal(path)})", path, f"sqlite:{path}")
    if parts.scheme in ("mysql", "mariadb"):
        if not parts.hostname or not parts.path.strip("/"):
            raise ConfigError("production_url must look like mysql://user:password@host:port/db")
        password = unquote(parts.password or "")
        register_secret(password)
        address = f"{parts.hostname}:{parts.port or 3306}"
        database = parts.path.strip("/")
        user = unquote(parts.username or "root")
        engine = ", ".join(_literal(arg) for arg in (address, database, user, password))
        description = f"{address}/{database}"
        return Link(f"MySQL({engine})", description, f"mysql://{user}@{description}")
    raise ConfigError(
        f"production_url: unsupported scheme {parts.scheme!r} (mysql:// or sqlite:///)"
    )


def _tables(warehouse: Warehouse, database: str) -> list[str]:
    rows = warehouse.rows(
        "SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name",
        {"db": database},
    )
    return [row["name"] for row in rows]


def link_production(warehouse: Warehouse, production_url: str) -> tuple[str, list[str]]:
    """(Re)create the `mysql` link schema and check the source answers; return its tables.

    The new link is made under a temporary name first; the working `mysql` link is replaced
    only once the new one has listed its tables (ClickHouse cannot rename a MySQL or SQLite
    database, so the swap is a drop and a create of a link already known to answer).
    """
    link = link_for(production_url)
    warehouse.command(f"DROP DATABASE IF EXISTS {TRIAL_LINK_DATABASE}")
    try:
        warehouse.command(link.statement(TRIAL_LINK_DATABASE))
        _tables(warehouse, TRIAL_LINK_DATABASE)
    except LoupeError as exc:
        raise LoupeError(f"production database {link.description} is unreachable: {exc}") from exc
    finally:
        warehouse.command(f"DROP DATABASE IF EXISTS {TRIAL_LINK_DATABASE}")
    warehouse.command(f"DROP DATABASE IF EXISTS {LINK_DATABASE}")
    warehouse.command(link.statement(LINK_DATABASE))
    return link.description, _tables(warehouse, LINK_DATABASE)


def linked_identity(warehouse: Warehouse) -> str | None:
    """The identity the `mysql` link was made for; None without a link, "" for one made
    before links carried it."""
    rows = warehouse.rows(
        "SELECT comment FROM system.databases WHERE name = {db:String}", {"db": LINK_DATABASE}
    )
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


def initialise(settings: Settings, warehouse: Warehouse) -> InitReport:
    """Apply pending migrations, then link the production database when one is configured."""
    report = InitReport()
    report.applied = [m.name for m in migrate(warehouse, DDL(settings.cluster))]
    production_url = settings.production_url.get_secret_value()
    if production_url:
        try:
            report.link, report.linked_tables = link_production(warehouse, production_url)
        except LoupeError as exc:
            if production_url != Settings.model_fields["production_url"].default.get_secret_value():
                raise
            report.link = f"skipped: {exc}"
    if set(report.linked_tables) >= LIVE_VIEW_SOURCES:
        # Imported here: loupe.history builds on this module.
        from loupe.history.live import create_live_views

        report.live_views = create_live_views(warehouse)
    return report
