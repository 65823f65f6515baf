"""An embedded warehouse held by a running Loupe process, reached through its HTTP interface.

chDB opens a data directory in one process at a time. The long-running process that holds it
(`loupe serve`, `run`, `dashboards`, `collect`) serves ClickHouse's HTTP interface over it and
writes the interface's URL and a generated admin password to `ADMIN_FILE` in the directory
(0600). A command that finds the directory locked by that process opens the server engine on
that URL as the admin instead of failing: the statements run in the holder's chDB.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr

from loupe.settings import Settings
from loupe.warehouse.lock import WarehouseInUseError
from loupe.warehouse.server import ServerWarehouse

ADMIN_FILE = ".http-interface.json"
ADMIN_USER = "admin"


def read_admin_file(directory: Path) -> dict[str, Any] | None:
    """The running interface's URL, user, password and pid, for Loupe's own commands."""
    try:
        return json.loads((directory / ADMIN_FILE).read_text())
    except (FileNotFoundError, PermissionError, ValueError):
        return None


def holder_pid(in_use: WarehouseInUseError) -> int | None:
    """The pid the lock file names ("pid 123 (loupe serve)"), if any."""
    words = in_use.holder.split()
    if len(words) >= 2 and words[0] == "pid" and words[1].isdigit():
        return int(words[1])
    return None


class HeldWarehouse(ServerWarehouse):
    """The embedded warehouse of another Loupe process, through its HTTP interface (admin)."""

    kind = "embedded"

    def __init__(self, settings: Settings, url: str) -> None:
        super().__init__(settings)
        self.url = url
        self.data_dir = settings.data_dir

    def _unreachable_message(self, exc: BaseException) -> str:
        return (
            f"the warehouse is held by another Loupe process, whose ClickHouse HTTP interface "
            f"at {self.url} does not answer; is that process still starting or stopping?"
        )


def open_held(settings: Settings, in_use: WarehouseInUseError) -> HeldWarehouse | None:
    """The server engine on the interface of the process holding the warehouse, if it serves one
    (its admin file names the pid that holds the lock); None otherwise."""
    admin = read_admin_file(Path(in_use.directory))
    pid = holder_pid(in_use)
    if admin is None or pid is None or admin.get("pid") != pid or not admin.get("url"):
        return None
    parts = urlsplit(admin["url"])
    if parts.scheme != "http" or parts.hostname is None or parts.port is None:
        return None
    host = "127.0.0.1" if parts.hostname in ("0.0.0.0", "::") else parts.hostname
    through = settings.model_copy(
        update={
            "clickhouse_host": host,
            "clickhouse_port": parts.port,
            "clickhouse_user": admin.get("user", ADMIN_USER),
            "clickhouse_password": SecretStr(admin.get("password", "")),
            "clickhouse_secure": False,
            "clickhouse_ca_cert": None,
            "clickhouse_database": "default",
        }
    )
    return HeldWarehouse(through, admin["url"])
