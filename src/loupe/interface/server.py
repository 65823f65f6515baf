"""Starting and stopping the HTTP interface inside the process that owns the warehouse.

`serve_interface` binds the port first (a busy port is one clear error, and the command does not
start), writes the admin's password file, and runs uvicorn in a thread of its own with its own
event loop next to the process's other servers; at exit it stops uvicorn, closes the sessions'
connections (before the warehouse closes) and removes the password file. The server engine needs
no interface: a ClickHouse server speaks the protocol itself.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import chdb
import uvicorn
from starlette.applications import Starlette

from loupe.errors import ConfigError, LoupeError
from loupe.interface.app import Interface, create_interface_app
from loupe.interface.guard import ReaderGuard
from loupe.interface.running import RunningQueries
from loupe.interface.sessions import Sessions
from loupe.interface.users import Users, remove_admin_file, write_admin_file
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from loupe.warehouse.embedded import ENGINE_OPTIONS


@dataclass(frozen=True)
class RunningInterface:
    """The interface of this process: where it listens, and the admin's file."""

    url: str
    admin_file: Path
    users: Users


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine only (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, or a `LoupeError` in one line when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named, so that asyncio sets TCP_NODELAY on every accepted connection (it
    # checks the protocol): without it, Nagle holds a response's body behind its headers until
    # the client's delayed ACK, 40 ms a request on a kept-alive connection.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        reason = "the port is in use" if exc.errno == errno.EADDRINUSE else exc.strerror
        raise LoupeError(
            f"the ClickHouse HTTP interface cannot listen on {host}:{port}: {reason} "
            "(set http_interface_port, or 0 to turn the interface off)"
        ) from None
    sock.set_inheritable(False)
    return sock


@contextmanager
def interface_app(users: Users, data_dir: Path) -> Iterator[Starlette]:
    """The interface's app over the open warehouse at `data_dir`, with the engine connections
    it keeps (the guard's, the one that cancels queries, the sessions'), closed at the end."""
    guard_connection = chdb.connect(f"{data_dir}?{ENGINE_OPTIONS}")
    control_connection = chdb.connect(f"{data_dir}?{ENGINE_OPTIONS}")
    sessions = Sessions(data_dir)
    try:
        guard = ReaderGuard(guard_connection)
        yield create_interface_app(
            users, Interface(sessions, guard, RunningQueries(control_connection))
        )
    finally:
        sessions.close()
        control_connection.close()
        guard_connection.close()


@contextmanager
def serve_interface(settings: Settings, warehouse: Warehouse) -> Iterator[RunningInterface | None]:
    """Serve ClickHouse's HTTP interface over `warehouse` while the block runs (embedded engine,
    `http_interface_port` not 0); yield where it listens, or None."""
    if settings.engine != "embedded" or settings.http_interface_port == 0:
        yield None
        return
    host, port = settings.http_interface_host, settings.http_interface_port
    users = Users(settings)
    if not is_loopback(host) and not users.readers:
        raise ConfigError(
            f"http_interface_host={host} reaches beyond this machine: set a reader's password "
            "in http_interface_users first (or listen on 127.0.0.1)"
        )
    data_dir = Path(warehouse.data_dir)  # type: ignore[attr-defined]
    sock = bind(host, port)
    stack = ExitStack()
    app = stack.enter_context(interface_app(users, data_dir))
    server = uvicorn.Server(
        # httptools: uvicorn's C parser reads a large body (an INSERT's) in half the time h11
        # takes; its chunked writes copy each part, so the engine's result memory the app
        # yields without copying is not held past the write.
        uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", http="httptools")
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="http-interface", daemon=True
    )
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{sock.getsockname()[1]}"
    admin_file = write_admin_file(data_dir, url, users.admin_password)
    try:
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        if not server.started:
            raise LoupeError(f"the ClickHouse HTTP interface did not start on {url}")
        # One line on stderr whatever the log level, as uvicorn announces the other servers.
        readers = ", ".join(users.readers) or "none (set http_interface_users)"
        print(f"ClickHouse HTTP interface on {url}/ (readers: {readers})", file=sys.stderr)
        yield RunningInterface(url, admin_file, users)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        stack.close()
        sock.close()
        remove_admin_file(admin_file)
