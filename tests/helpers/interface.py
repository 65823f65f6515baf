"""The HTTP interface of a running `loupe serve` in the tests: its address, the admin's and the
reader's passwords, clients of each role."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import clickhouse_connect
import httpx
from clickhouse_connect.driver.client import Client

from tests.helpers.processes import LoupeProcess

READER_PASSWORD = "reader-pass-7f3a"
SECRET = "personal-secret-email@example.com"


@dataclass
class Served:
    """The running `loupe serve`: its interface's URL, the admin's password, the process."""

    url: str
    host: str
    port: int
    admin_password: str
    data_dir: Path
    process: LoupeProcess

    def client(self, user: str = "admin", **options: object) -> Client:
        """A clickhouse-connect client as `user` (admin or reader)."""
        password = self.admin_password if user == "admin" else READER_PASSWORD
        return clickhouse_connect.get_client(
            host=self.host, port=self.port, username=user, password=password, **options
        )

    def get(self, user: str | None = "reader", **params: str) -> httpx.Response:
        """A GET to the interface, as curl sends it, with `user`'s Basic credentials."""
        return httpx.get(self.url, params=params, auth=self._auth(user), timeout=60)

    def post(
        self, body: bytes | str, user: str | None = "reader", headers: dict | None = None,
        **params: str,
    ) -> httpx.Response:  # fmt: skip
        """A POST with the query (or data) in the body."""
        return httpx.post(
            self.url, params=params, content=body, auth=self._auth(user), headers=headers,
            timeout=60,
        )  # fmt: skip

    def _auth(self, user: str | None) -> tuple[str, str] | None:
        if user is None:
            return None
        return (user, self.admin_password if user == "admin" else READER_PASSWORD)


def running(served: Served, token: str) -> int:
    """How many engine queries carry `token` (the counting query itself excluded)."""
    sql = (
        "SELECT count() FROM system.processes WHERE position(query, {t:String}) > 0 "
        "AND position(query, 'system.processes') = 0"
    )
    return int(served.client().query(sql, parameters={"t": token}).result_rows[0][0])


def wait_until(condition: Callable[[], bool], seconds: float = 30) -> bool:
    """Whether `condition` holds within `seconds`, polled every 50 ms."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False
