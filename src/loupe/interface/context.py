"""A request's connection state: its current database, settings and time zone, each set or
asked of the engine only when the interface does not already know it.

Every engine statement a request runs besides its own costs about a millisecond, and a BI tool
sends the same database and settings with every query (clickhouse-connect two settings, for
example). So the interface keeps, per connection (`Known`), what it set and what it learned: the
current database (`USE` is skipped when it is already current), the settings it set, and the
time zone. A client's own `SET` or `USE` statement makes all of it unknown again (its settings
could be anything); a `session_timezone` setting makes the time zone unknown.

A request's settings are all set again, in one `SET`, even when the connection had them: chDB
keeps a few settings (`date_time_input_format`, `implicit_select`, measured with chdb-core
26.9.0) for every connection of the process rather than per connection, so another request may
have changed them since.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from loupe import sqlfiles
from loupe.interface.protocol import ClickHouseError, engine_error

# URL parameters of the HTTP interface that are not settings; a server accepts them all.
NOT_SETTINGS = frozenset(
    {
        "query", "database", "default_format", "user", "password", "quota_key", "query_id",
        "session_id", "session_timeout", "session_check", "compress", "decompress",
        "buffer_size", "wait_end_of_query", "stacktrace", "close_session", "role",
        "client_protocol_version", "max_result_bytes", "max_result_rows", "result_overflow_mode",
        "http_response_buffer_size", "enable_http_compression", "http_zlib_compression_level",
        "send_progress_in_http_headers", "http_headers_progress_interval_ms",
        "cancel_http_readonly_queries_on_client_close", "http_wait_end_of_query",
        "http_native_compression_disable_checksumming_on_decompress", "extremes",
    }
)  # fmt: skip
_SETTING_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TOKENS = itertools.count(1)


@dataclass
class Known:
    """What the interface knows of one connection's state (None: unknown, ask the engine)."""

    database: str | None
    timezone: str | None
    settings: dict[str, str] = field(default_factory=dict)
    # None while every setting in force was set by the interface; a new value after a client's
    # own SET or USE (settings then unknown): a part of the parse cache's key.
    changed_by_client: int | None = None

    def after(self, kind: str) -> None:
        """Forget what a client's statement of `kind` may have changed."""
        if kind in ("Set", "UseQuery"):
            self.database = self.timezone = None
            self.settings.clear()
            self.changed_by_client = next(_TOKENS)


def use(connection: Any, known: Known, database: str) -> None:
    """Make `database` the current one, unless it already is."""
    if known.database != database:
        run(connection, "USE " + quote_identifier(database))
        known.database = database


def settings_of(params: dict[str, str]) -> dict[str, str]:
    """The settings among a request's URL parameters."""
    return {
        name: value
        for name, value in params.items()
        if name not in NOT_SETTINGS and not name.startswith("param_")
    }


def apply_settings(connection: Any, known: Known, settings: dict[str, str]) -> None:
    """Set a request's settings, in one statement."""
    if not settings:
        return
    for name in settings:
        if not _SETTING_NAME.match(name):
            raise ClickHouseError(115, f"Unknown setting '{name}'", "UNKNOWN_SETTING")
    names = list(settings)
    assignments = ", ".join(f"{name} = {{v{index}:String}}" for index, name in enumerate(names))
    values = {f"v{index}": settings[name] for index, name in enumerate(names)}
    if any("timezone" in name.lower() for name in names):
        known.timezone = None
    try:
        run(connection, f"SET {assignments}", values)
    except ClickHouseError:
        known.settings.clear()  # which of them applied is unknown
        known.changed_by_client = next(_TOKENS)
        raise
    known.settings.update(settings)


def session_context(connection: Any, known: Known) -> tuple[str, str]:
    """The connection's current database and time zone."""
    if known.database is None or known.timezone is None:
        text = run(connection, sqlfiles.load("loupe.interface", "session_context"))
        known.database, known.timezone = text.split("\t")
    return known.database, known.timezone


def run(connection: Any, sql: str, params: dict[str, str] | None = None) -> str:
    """A statement's TSVRaw output as text; `ClickHouseError` for an engine error."""
    try:
        result = connection.query(sql, "TSVRaw", params=params or None)
    except Exception as exc:
        raise engine_error(exc) from None
    return result.bytes().decode().strip()


def quote_identifier(name: str) -> str:
    """`name` as a back-quoted identifier."""
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"
