"""Engine connections for requests, and sessions that keep one connection between requests.

chDB keeps `SET` values, the current database and temporary tables per connection (measured:
docs/http-interface.md), so a session (`session_id`) is a dedicated connection to the open
warehouse, kept until `session_timeout` seconds pass without a request (60 by default, 3600 at
most, as on a server). A request without a session gets a connection of its own, closed after it
(opening one while the warehouse is open costs about 0.1 ms). A reader's connections are set up
before the reader's first statement: filtered system tables and `readonly = 2` in one `SET`. Each
connection comes with what the interface knows of its state (context.py): a new one is in the
engine's default database (a reader's: its first) and time zone, asked once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import chdb

from loupe.interface.context import Known, session_context
from loupe.interface.guard import filter_settings
from loupe.interface.protocol import ClickHouseError, engine_error
from loupe.interface.users import User
from loupe.warehouse.embedded import ENGINE_OPTIONS

DEFAULT_SESSION_TIMEOUT = 60
MAX_SESSION_TIMEOUT = 3600
MAX_SESSIONS = 1000


def connect(data_dir: Path, user: User) -> Any:
    """A new connection to the open warehouse, set up for `user`'s role."""
    try:
        connection = chdb.connect(f"{data_dir}?{ENGINE_OPTIONS}")
    except Exception as exc:
        raise engine_error(exc) from None
    if user.reader is not None:
        try:
            connection.query(filter_settings(user.reader.databases) + ", readonly = 2")
            connection.query(f"USE `{user.reader.databases[0]}`")
        except Exception as exc:
            connection.close()
            raise engine_error(exc) from None
    return connection


@dataclass
class Lease:
    """A request's connection and what the interface knows of its state."""

    connection: Any
    known: Known


@dataclass
class Session:
    """One client session: its connection, used by one request at a time."""

    lease: Lease
    timeout: float
    expires: float
    lock: threading.Lock = field(default_factory=threading.Lock)


class Sessions:
    """The open sessions of every user, by (user, session_id)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._sessions: dict[tuple[str, str], Session] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._defaults: tuple[str, str] | None = None  # a new connection's database, time zone

    def _lease(self, user: User) -> Lease:
        connection = connect(self.data_dir, user)
        if self._defaults is None:
            if user.reader is not None:
                return Lease(connection, Known(user.reader.databases[0], None))
            self._defaults = session_context(connection, Known(None, None))
        database, timezone = self._defaults
        if user.reader is not None:
            database = user.reader.databases[0]
        return Lease(connection, Known(database, timezone))

    @contextmanager
    def connection(
        self, user: User, session_id: str | None, timeout: str | None, check: bool
    ) -> Iterator[Lease]:
        """The connection a request runs on: its session's (held for the request), or its own."""
        if not session_id:
            lease = self._lease(user)
            try:
                yield lease
            finally:
                lease.connection.close()
            return
        seconds = _timeout(timeout)
        session = self._take(user, session_id, seconds, check)
        try:
            yield session.lease
        finally:
            session.expires = time.monotonic() + session.timeout
            session.lock.release()

    def _take(self, user: User, session_id: str, seconds: float, check: bool) -> Session:
        key = (user.name, session_id)
        with self._lock:
            if self._closed:
                raise ClickHouseError(210, "the HTTP interface is stopping", "NETWORK_ERROR")
            self._reap()
            session = self._sessions.get(key)
            if session is None:
                if check:
                    raise ClickHouseError(
                        372, f"Session {session_id} not found", "SESSION_NOT_FOUND"
                    )
                if len(self._sessions) >= MAX_SESSIONS:
                    raise ClickHouseError(
                        202,
                        f"Too many sessions (at most {MAX_SESSIONS})",
                        "TOO_MANY_SIMULTANEOUS_QUERIES",
                    )
                session = Session(self._lease(user), seconds, 0.0)
                self._sessions[key] = session
            if not session.lock.acquire(blocking=False):
                raise ClickHouseError(
                    373,
                    f"Session {session_id} is locked by a concurrent client",
                    "SESSION_IS_LOCKED",
                )
            session.timeout = seconds
            return session

    def _reap(self) -> None:
        now = time.monotonic()
        for key, session in list(self._sessions.items()):
            if session.expires and session.expires < now and session.lock.acquire(blocking=False):
                del self._sessions[key]
                session.lease.connection.close()

    def close(self) -> None:
        """Close every session's connection (the interface stops before the warehouse closes)."""
        with self._lock:
            self._closed = True
            for session in self._sessions.values():
                session.lease.connection.close()
            self._sessions.clear()


def _timeout(value: str | None) -> float:
    if value in (None, ""):
        return DEFAULT_SESSION_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        raise ClickHouseError(
            36, f"Invalid session timeout: '{value}'", "INVALID_SESSION_TIMEOUT"
        ) from None
    if seconds < 0 or seconds > MAX_SESSION_TIMEOUT:
        raise ClickHouseError(
            36,
            f"Session timeout '{value}' is larger than max_session_timeout: {MAX_SESSION_TIMEOUT}",
            "INVALID_SESSION_TIMEOUT",
        )
    return seconds
