"""`loupe init`: apply the migrations and link the production database as the `mysql` schema.

The link is a ClickHouse database engine over the production database: `MySQL(...)` for a
MySQL/MariaDB URL, `SQLite(...)` for the embedded default's SQLite file. Its tables are read live.
It is recreated on every init (dropping a link database never touches the source).
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


def link_statement(production_url: str) -> tuple[str, str]:
    """The `CREATE DATABASE mysql ...` statement for a URL, and a printable description."""
    parts = urlsplit(production_url)
    if parts.scheme == "sqlite":
        # sqlite:///relative/path or sqlite:////absolute/path
        path = Path(unquote(production_url[len("sqlite:///") :]))
        path = path.resolve()
        if not path.is_file():
            raise LoupeError(f"production database {path} does not exist (run `loupe simulate`)")
        return f"CREATE DATABASE {LINK_DATABASE} ENGINE = SQLite({_literal(str(path))})", str(path)
    if parts.scheme in ("mysql", "mariadb"):
        if not parts.hostname or not parts.path.strip("/"):
            raise ConfigError("production_url must look like mysql://user:password@host:port/db")
        password = unquote(parts.password or "")
        register_secret(password)
        address = f"{parts.hostname}:{parts.port or 3306}"
        database = parts.path.strip("/")
        args = [address, database, unquote(parts.username or "root"), password]
        engine = ", ".join(_literal(arg) for arg in args)
        return f"CREATE DATABASE {LINK_DATABASE} ENGINE = MySQL({engine})", f"{address}/{database}"
    raise ConfigError(
        f"production_url: unsupported scheme {parts.scheme!r} (mysql:// or sqlite:///)"
    )


def link_production(warehouse: Warehouse, production_url: str) -> tuple[str, list[str]]:
    """(Re)create the `mysql` link schema and check the source answers; return its tables."""
    statement, description = link_statement(production_url)
    warehouse.command(f"DROP DATABASE IF EXISTS {LINK_DATABASE}")
    try:
        warehouse.command(statement)
        tables = warehouse.rows(
            "SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name",
            {"db": LINK_DATABASE},
        )
    except LoupeError as exc:
        warehouse.command(f"DROP DATABASE IF EXISTS {LINK_DATABASE}")
        raise LoupeError(f"production database {description} is unreachable: {exc}") from exc
    return description, [row["name"] for row in tables]


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
