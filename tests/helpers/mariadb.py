"""The MariaDB server of the tests (127.0.0.1:3306): one test's database and user."""

from __future__ import annotations

from dataclasses import dataclass

import pymysql


@dataclass(frozen=True)
class MariaDB:
    """A dedicated database and user on the MariaDB server, dropped after the test."""

    host: str
    port: int
    database: str
    user: str
    password: str

    @property
    def url(self) -> str:
        return f"mysql://{self.user}:{self.password}@{self.host}:{self.port}/{self.database}"

    def connect(self) -> pymysql.connections.Connection:
        return pymysql.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            database=self.database,
            autocommit=True,
        )
