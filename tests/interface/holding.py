"""ClickHouse's HTTP interface of the product, for the tests of the server engine and of the
commands that go through it: a real Loupe process holding a warehouse (`holding_process`), or the
interface served by the test process itself over its own chDB warehouse (`interface_in_process`,
where a test stops and restarts the interface on one port with the same credentials, or serves
it over HTTPS)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from pydantic import SecretStr

from loupe.interface.server import bind, interface_app
from loupe.interface.users import Users
from loupe.schema.ddl import DDL
from loupe.schema.migrate import migrate
from loupe.settings import Settings, load_settings
from loupe.warehouse import open_warehouse
from loupe.warehouse.held import ADMIN_USER, read_admin_file
from tests.helpers.processes import LoupeProcess
from tests.helpers.servers import free_port

READER_PASSWORD = "reader-pass-7f3a"


@dataclass
class Holder:
    """A Loupe process holding the warehouse, with its interface's port and admin password."""

    port: int
    admin_password: str
    data_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    process: LoupeProcess | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def server_settings(self, **overrides: object) -> Settings:
        """Settings of the server engine on this interface, as its admin."""
        return interface_settings(self.port, self.admin_password, **overrides)

    def server_environment(self) -> dict[str, str]:
        """The same as `LOUPE_*` environment variables, for other processes."""
        return {
            "LOUPE_ENGINE": "server",
            "LOUPE_CLICKHOUSE_HOST": "127.0.0.1",
            "LOUPE_CLICKHOUSE_PORT": str(self.port),
            "LOUPE_CLICKHOUSE_USER": ADMIN_USER,
            "LOUPE_CLICKHOUSE_PASSWORD": self.admin_password,
        }


def interface_settings(port: int, password: str, **overrides: object) -> Settings:
    """Loupe's settings for its server engine on an interface at `port`, as the admin."""
    return load_settings(
        engine="server",
        clickhouse_host="127.0.0.1",
        clickhouse_port=port,
        clickhouse_user=ADMIN_USER,
        clickhouse_password=password,
        **overrides,
    )


def migrated(data_dir: Path) -> None:
    """Create the warehouse's schema at `data_dir` (a holding process needs it to start)."""
    settings = load_settings(data_dir=data_dir, spool_dir=data_dir.parent / "spool")
    with open_warehouse(settings.model_copy(update={"production_url": SecretStr("")})) as opened:
        migrate(opened, DDL())


@contextmanager
def holding_process(
    root: Path, *args: str, command: str = "dashboards", env: dict[str, str] | None = None
) -> Iterator[Holder]:
    """`loupe dashboards` (no scheduler: nothing runs but what the test sends), or `command`,
    holding the migrated warehouse `root/warehouse` and serving the interface on a free port
    with the reader `reader` enabled; killed at the end."""
    data_dir = root / "warehouse"
    if not (data_dir / "metadata").exists():
        migrated(data_dir)
    port = free_port()
    environment = {
        "LOUPE_DATA_DIR": str(data_dir),
        "LOUPE_SPOOL_DIR": str(root / "spool"),
        "LOUPE_PRODUCTION_URL": "",
        "LOUPE_COLLECTOR_TOKEN": "holding-test-token",
        "LOUPE_COLLECTOR_PORT": str(free_port()),
        "LOUPE_HTTP_INTERFACE_PORT": str(port),
        "LOUPE_HTTP_INTERFACE_USERS": json.dumps({"reader": {"password": READER_PASSWORD}}),
        **(env or {}),
    }
    if command == "dashboards" and not args:
        args = ("--port", str(free_port()))
    process = LoupeProcess(root, command, *args, env=environment)
    try:
        process.wait_for("ClickHouse HTTP interface on")
        admin = read_admin_file(data_dir)
        assert admin is not None
        yield Holder(port, admin["password"], data_dir, environment, process)
    finally:
        process.kill()


@contextmanager
def interface_in_process(
    data_dir: Path,
    admin_password: str,
    port: int | None = None,
    tls: tuple[Path, Path] | None = None,
) -> Iterator[int]:
    """The product's interface app, served by this process over chDB at `data_dir` (opened
    here: no other warehouse may be open in the process) with a fixed admin password, on `port`
    or a free one, over HTTPS with `tls` (certificate and key files); yields the port."""
    settings = load_settings(data_dir=data_dir, http_interface_users={})
    users = Users(settings)
    users.admin_password = admin_password
    data_dir.mkdir(parents=True, exist_ok=True)
    sock = bind("127.0.0.1", port or 0)
    stack = ExitStack()
    app = stack.enter_context(interface_app(users, data_dir))
    certificate, key = tls or (None, None)
    config = uvicorn.Config(
        app, log_level="warning", lifespan="off", ssl_certfile=certificate, ssl_keyfile=key
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        assert server.started, "the interface did not start"
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(30)
        stack.close()
        sock.close()
