"""`loupe collect` as a real child process, for the tests that need its memory or signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from loupe.schema.ddl import DDL
from loupe.schema.migrate import migrate
from loupe.settings import Settings
from loupe.warehouse import open_warehouse
from tests.helpers.servers import free_port

TOKEN = "tok-123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NDJSON = {**AUTH, "Content-Type": "application/x-ndjson"}
JSON = {**AUTH, "Content-Type": "application/json"}


@dataclass
class Collector:
    """A running `loupe collect`: its base URL and process."""

    url: str
    process: subprocess.Popen

    def memory_kib(self, field: str) -> int:
        """A `VmRSS`/`VmHWM` figure of the process, from /proc (KiB)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise AssertionError(f"no {field} in /proc/{self.process.pid}/status")

    def stop(
        self, timeout: float = 60, stop_signal: signal.Signals = signal.SIGTERM
    ) -> tuple[int, str]:
        """Send the signal (SIGTERM); return the exit code and the log (stderr)."""
        if self.process.poll() is None:
            self.process.send_signal(stop_signal)
        try:
            code = self.process.wait(timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
        return code, self.process.stderr.read()


def migrated(settings: Settings) -> None:
    """Create the warehouse schema, then release the embedded warehouse for the collector."""
    with open_warehouse(settings) as warehouse:
        migrate(warehouse, DDL())


@contextmanager
def collector_process(**env: str) -> Iterator[Collector]:
    """Start `loupe collect` (settings from the environment plus `env`); SIGTERM it after."""
    port = free_port()
    environment = {
        **os.environ,
        "LOUPE_COLLECTOR_TOKEN": TOKEN,
        "LOUPE_COLLECTOR_PORT": str(port),
        **env,
    }
    loupe = str(Path(sys.executable).with_name("loupe"))
    process = subprocess.Popen(
        [loupe, "collect"], env=environment, stderr=subprocess.PIPE, text=True
    )
    collector = Collector(f"http://127.0.0.1:{port}", process)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{collector.url}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    process.kill()
                    raise AssertionError(
                        f"collector did not start: {process.stderr.read()}"
                    ) from None
                time.sleep(0.1)
        yield collector
    finally:
        if process.poll() is None:
            collector.stop()
