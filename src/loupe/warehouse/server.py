"""The server engine: a ClickHouse server over HTTP(S) through `clickhouse-connect`.

Query parameters use ClickHouse's server-side binding (`{name:Type}` placeholders), exactly as
the embedded engine does, so the same SQL files run on both. Each thread gets its own client,
since a clickhouse-connect client must not run two queries at once.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from loupe.errors import LoupeError, QueryError, WarehouseUnavailableError
from loupe.logs import register_secret
from loupe.settings import Settings
from loupe.warehouse.base import Warehouse


def _server_message(exc: Exception) -> str:
    """The server's own message, first line (as the embedded engine reports it), without the
    client's wrapping and the URL it adds."""
    text = str(exc)
    text = text[text.find("Code: ") :] if "Code: " in text else text  # on a later line in 0.8
    return text.strip().splitlines()[0].split(" (for url ")[0]


def _unreachable(exc: BaseException) -> tuple[str, bool]:
    """Why the server could not be reached, in a few words, and whether TLS refused it: the
    innermost socket error of the chain clickhouse-connect and urllib3 wrap it in ("connection
    refused", or the certificate check that failed), else their message."""
    reason, cause, seen = None, exc, set()
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, ssl.SSLError):
            return str(cause), True
        if isinstance(cause, OSError) and cause.strerror:
            reason = cause.strerror.lower()
        elif isinstance(cause, TimeoutError) or "timed out" in str(cause).lower():
            reason = reason or "timed out"
        wrapped = getattr(cause, "reason", None)  # urllib3's errors; ssl's is a string
        cause = (
            wrapped if isinstance(wrapped, BaseException) else cause.__cause__ or cause.__context__
        )
    return reason or str(exc).splitlines()[0].lower(), False


class ServerWarehouse(Warehouse):
    """A ClickHouse server reached with the connection settings `clickhouse_*`."""

    kind = "server"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        register_secret(settings.clickhouse_password.get_secret_value())
        self._local = threading.local()
        self._clients: list[Any] = []
        self._clients_lock = threading.Lock()
        self._closed = False

    def _client(self) -> Any:
        # As with the embedded engine, a thread still holding a closed engine (a lease heartbeat,
        # say) must not reconnect: nobody would close that client.
        if self._closed:
            raise LoupeError("the connection to the ClickHouse server is closed")
        client = getattr(self._local, "client", None)
        if client is None:
            import clickhouse_connect
            from clickhouse_connect.driver.exceptions import OperationalError

            s = self.settings
            try:
                client = clickhouse_connect.get_client(
                    host=s.clickhouse_host,
                    port=s.clickhouse_port,
                    username=s.clickhouse_user,
                    password=s.clickhouse_password.get_secret_value(),
                    secure=s.clickhouse_secure,
                    ca_cert=str(s.clickhouse_ca_cert) if s.clickhouse_ca_cert else None,
                    database=s.clickhouse_database,
                    autogenerate_session_id=False,
                    connect_timeout=5,
                )
            except OperationalError as exc:
                raise WarehouseUnavailableError(self._unreachable_message(exc)) from exc
            self._local.client = client
            with self._clients_lock:
                self._clients.append(client)
        return client

    def _unreachable_message(self, exc: BaseException) -> str:
        s = self.settings
        scheme = "https" if s.clickhouse_secure else "http"
        reason, tls = _unreachable(exc)
        check = (
            "clickhouse_ca_cert setting" if tls else "clickhouse_host and clickhouse_port settings"
        )
        return (
            f"cannot reach the ClickHouse server at {scheme}://{s.clickhouse_host}:"
            f"{s.clickhouse_port} ({reason}); check the {check}"
        )

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        from clickhouse_connect.driver.exceptions import DatabaseError, OperationalError

        try:
            return getattr(self._client(), method)(*args, **kwargs)
        except OperationalError as exc:
            raise WarehouseUnavailableError(self._unreachable_message(exc)) from exc
        except DatabaseError as exc:
            raise QueryError(_server_message(exc)) from exc

    def _query_arrow(self, sql: str, params: dict[str, Any]) -> pa.Table:
        return self._call("query_arrow", sql, parameters=params)

    def _query_bytes(self, sql: str, fmt: str, params: dict[str, Any]) -> bytes:
        return self._call("raw_query", sql, parameters=params, fmt=fmt)

    def _command(self, sql: str, params: dict[str, Any]) -> None:
        self._call("command", sql, parameters=params)

    def _insert_arrow(self, table: str, data: pa.Table, settings: Mapping[str, Any] | None) -> None:
        database, _, name = table.rpartition(".")
        self._call(
            "insert_arrow", name, data, database=database or None, settings=dict(settings or {})
        )

    def close(self) -> None:
        """Close every thread's client; the engine refuses statements from then on."""
        with self._clients_lock:
            self._closed = True
            for client in self._clients:
                client.close()
            self._clients.clear()
