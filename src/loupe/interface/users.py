"""Who may use the interface: Loupe's admin, and the readers configured for BI tools.

The admin (Loupe's own commands) gets a password generated at every start, written to a file
only the owning OS user can read (0600, `ADMIN_FILE` in the warehouse directory, itself 0700),
which the CLI reads, and removed at stop. Readers come from `http_interface_users`; one without
a password is disabled. Credentials are taken as a server takes them: Basic authentication, the
`X-ClickHouse-User`/`X-ClickHouse-Key` headers, or `user`/`password` URL parameters. Passwords are
compared in constant time and never logged.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request

from loupe.interface.guard import Reader
from loupe.interface.protocol import ClickHouseError
from loupe.logs import register_secret
from loupe.settings import Settings
from loupe.warehouse.held import ADMIN_FILE, ADMIN_USER


@dataclass(frozen=True)
class User:
    """An authenticated user: the admin (`reader` is None) or a reader."""

    name: str
    reader: Reader | None = None


class Users:
    """The admin's generated password and the readers' configured ones."""

    def __init__(self, settings: Settings) -> None:
        self.admin_password = secrets.token_urlsafe(24)
        register_secret(self.admin_password)
        self._readers: dict[str, tuple[str, Reader]] = {}
        for name, config in settings.http_interface_users.items():
            password = config.password.get_secret_value()
            if password:
                register_secret(password)
                self._readers[name] = (password, Reader(name, tuple(config.databases)))

    @property
    def readers(self) -> list[str]:
        """Names of the enabled readers."""
        return sorted(self._readers)

    def authenticate(self, name: str, password: str) -> User:
        """The user with these credentials, or 516 as a server answers a wrong password."""
        if name == ADMIN_USER:
            expected, reader = self.admin_password, None
        elif name in self._readers:
            expected, reader = self._readers[name]
        else:
            expected, reader = secrets.token_urlsafe(24), None
        if not hmac.compare_digest(expected.encode(), password.encode()) or (
            name != ADMIN_USER and reader is None
        ):
            raise ClickHouseError(
                516,
                f"{name}: Authentication failed: password is incorrect, "
                "or there is no user with such name",
                "AUTHENTICATION_FAILED",
            )
        return User(name, reader)


def credentials(request: Request) -> tuple[str, str]:
    """The user and password a request gives (a server's user `default`, empty password, if
    none): Basic authentication, headers, or URL parameters."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise ClickHouseError(
                516, "Cannot decode the Basic authentication header", "AUTHENTICATION_FAILED"
            ) from None
        user, _, password = decoded.partition(":")
        return user, password
    if "x-clickhouse-user" in request.headers:
        return request.headers["x-clickhouse-user"], request.headers.get("x-clickhouse-key", "")
    params = request.query_params
    return params.get("user", "default"), params.get("password", "")


def write_admin_file(directory: Path, url: str, password: str) -> Path:
    """Write the admin's URL and password to `directory/ADMIN_FILE`, readable only by this OS
    user (0600), replacing any left by an earlier run."""
    path = directory / ADMIN_FILE
    temporary = path.with_name(f"{ADMIN_FILE}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        content = {"url": url, "user": ADMIN_USER, "password": password, "pid": os.getpid()}
        os.write(fd, json.dumps(content).encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)
    return path


def remove_admin_file(path: Path) -> None:
    """Remove the admin file at stop (the password dies with the process)."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
