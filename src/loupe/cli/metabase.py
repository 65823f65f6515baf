"""Metabase commands: `loupe metabase push` and `loupe metabase export` (docs/metabase.md)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Annotated, NamedTuple

import typer

from loupe.cli.app import Verbose, app, console, setup
from loupe.cli.params import PORT_MAX
from loupe.dashboards.definitions import load_dashboards
from loupe.dashboards.metabase.client import MetabaseClient
from loupe.dashboards.metabase.export import export
from loupe.dashboards.metabase.payloads import DatabaseConnection
from loupe.dashboards.metabase.push import push
from loupe.errors import LoupeError
from loupe.logs import register_secret
from loupe.settings import Settings

metabase_app = typer.Typer(help="Provision the dashboards in Metabase (docs/metabase.md).")
app.add_typer(metabase_app, name="metabase")

Collection = Annotated[
    str, typer.Option("--collection", help="Collection (under the root) that holds everything.")
]
DbName = Annotated[
    str, typer.Option("--db-name", help="Name of the ClickHouse database connection in Metabase.")
]
DbHost = Annotated[
    str | None,
    typer.Option(
        "--db-host",
        help="ClickHouse host as Metabase reaches it (default: the metabase_db_host setting, "
        "else the HTTP interface's host (embedded) or clickhouse_host).",
    ),
]
DbPort = Annotated[
    int | None,
    typer.Option(
        "--db-port",
        min=1,
        max=PORT_MAX,
        help="ClickHouse HTTP port as Metabase reaches it (default: metabase_db_port, else the "
        "HTTP interface's port (embedded) or clickhouse_port).",
    ),
]
DbUser = Annotated[
    str | None,
    typer.Option(
        "--db-user",
        help="Read-only ClickHouse user Metabase connects as (default: the HTTP interface's "
        "reader `reader` (embedded), or `metabase`).",
    ),
]
DbSsl = Annotated[
    bool | None,
    typer.Option(
        "--db-ssl/--no-db-ssl", help="HTTPS to ClickHouse (default: clickhouse_secure setting)."
    ),
]


def _secret(value: str | None, name: str) -> str | None:
    """An option/environment value, else the file `loupe_<name>` of the secrets directory."""
    if not value:
        folder = os.environ.get("LOUPE_SECRETS_DIR") or os.environ.get("CREDENTIALS_DIRECTORY")
        path = Path(folder) / f"loupe_{name}" if folder else None
        if path is not None and path.is_file():
            value = path.read_text().strip()
    register_secret(value)
    return value or None


class _Asked(NamedTuple):
    """The connection as the command line gives it; None (or empty) leaves it to the settings."""

    name: str
    host: str | None
    port: int | None
    user: str | None
    password: str
    ssl: bool | None


def _connection(settings: Settings, asked: _Asked) -> DatabaseConnection:
    """How Metabase reaches the warehouse: the ClickHouse server, or with the embedded engine the
    HTTP interface of the Loupe process that holds it, as a reader (docs/metabase.md)."""
    if settings.engine == "embedded":
        return _interface_connection(settings, asked)
    return DatabaseConnection(
        name=asked.name,
        host=asked.host or settings.metabase_db_host or settings.clickhouse_host,
        port=asked.port or settings.metabase_db_port or settings.clickhouse_port,
        user=asked.user or "metabase",
        password=asked.password,
        dbname="dwh",
        ssl=settings.clickhouse_secure if asked.ssl is None else asked.ssl,
    )


def _interface_connection(settings: Settings, asked: _Asked) -> DatabaseConnection:
    host = asked.host or settings.metabase_db_host
    port = asked.port or settings.metabase_db_port
    if settings.http_interface_port == 0 and not host:
        raise LoupeError(
            "the warehouse is embedded and its ClickHouse HTTP interface is off "
            "(http_interface_port = 0): Metabase has nothing to connect to. Set "
            "http_interface_port, or use `loupe dashboards` instead"
        )
    if not host and settings.http_interface_host in ("0.0.0.0", "::"):
        raise LoupeError(
            f"http_interface_host = {settings.http_interface_host} listens on every address: "
            "set metabase_db_host (or --db-host) to the one Metabase reaches"
        )
    user, password = asked.user or "reader", asked.password
    reader = settings.http_interface_users.get(user)
    if not password and reader is not None:
        password = reader.password.get_secret_value()
        register_secret(password)
    return DatabaseConnection(
        name=asked.name,
        host=host or settings.http_interface_host,
        port=port or settings.http_interface_port or settings.clickhouse_port,
        user=user,
        password=password,
        dbname="dwh",
        ssl=bool(asked.ssl),
    )


@metabase_app.command("push")
def push_command(
    url: Annotated[
        str, typer.Option("--url", envvar="LOUPE_METABASE_URL", help="Metabase site URL.")
    ],
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key", envvar="LOUPE_METABASE_API_KEY", help="Metabase API key (secret)."
        ),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option("--user", envvar="LOUPE_METABASE_USER", help="Metabase user (e-mail)."),
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(
            "--password", envvar="LOUPE_METABASE_PASSWORD", help="Metabase password (secret)."
        ),
    ] = None,
    collection: Collection = "Loupe",
    db_name: DbName = "Loupe warehouse",
    db_host: DbHost = None,
    db_port: DbPort = None,
    db_user: DbUser = None,
    db_password: Annotated[
        str | None,
        typer.Option(
            "--db-password",
            envvar="LOUPE_METABASE_DB_PASSWORD",
            help="Password of the read-only ClickHouse user (secret).",
        ),
    ] = None,
    db_ssl: DbSsl = None,
    verbose: Verbose = False,
) -> None:
    """Create or update the ClickHouse connection, collection, cards and dashboards."""
    settings = setup(verbose)
    api_key = _secret(api_key, "metabase_api_key")
    password = _secret(password, "metabase_password")
    db_password = _secret(db_password, "metabase_db_password") or ""
    connection = _connection(
        settings, _Asked(db_name, db_host, db_port, db_user, db_password, db_ssl)
    )
    if settings.engine == "embedded" and not db_host and not connection.password:
        raise LoupeError(
            f"no password for the reader {connection.user!r} of the ClickHouse HTTP interface "
            "(a reader without one is disabled): set it in http_interface_users, or give "
            "--db-password"
        )
    with MetabaseClient(url, api_key=api_key, user=user, password=password) as client:
        report = push(client, load_dashboards(), connection, collection, settings.currency)
    for label in report.created:
        console.print(f"created {label}", highlight=False)
    for label in report.updated:
        console.print(f"updated {label}", highlight=False)
    console.print(f"metabase {client.url}: {report.summary()}", highlight=False)
    for slug, dashboard_id in report.dashboard_ids.items():
        console.print(f"  {slug}: {client.url}/dashboard/{dashboard_id}", highlight=False)


@metabase_app.command("export")
def export_command(
    directory: Annotated[Path, typer.Argument(help="Folder for the JSON files.")],
    collection: Collection = "Loupe",
    db_name: DbName = "Loupe warehouse",
    db_host: DbHost = None,
    db_port: DbPort = None,
    db_user: DbUser = None,
    db_ssl: DbSsl = None,
    verbose: Verbose = False,
) -> None:
    """Write the bodies `push` would send, for review (no secrets in them)."""
    settings = setup(verbose)
    connection = _connection(settings, _Asked(db_name, db_host, db_port, db_user, "", db_ssl))
    connection = dataclasses.replace(connection, password="")  # never written
    files = export(directory, load_dashboards(), connection, collection, settings.currency)
    console.print(f"{len(files)} files written to {directory}", highlight=False)
