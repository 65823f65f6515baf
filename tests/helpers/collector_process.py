"""`loupe collect` in its own process, and a client posting fresh records to it, for tests of
what the collector acknowledges while the warehouse's disk misbehaves."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson

from tests.helpers.calls import api_call
from tests.helpers.servers import free_port

TOKEN = "tok-durability"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/x-ndjson"}


@contextmanager
def running_collector(data_dir: Path, spool_dir: Path, log: Path) -> Iterator[str]:
    """Start `loupe collect` on `data_dir` (already migrated); yield its URL; stop it with
    SIGTERM. Its log goes to a file: a pipe nobody reads would block it once full."""
    port = free_port()
    env = {
        **os.environ,
        "LOUPE_DATA_DIR": str(data_dir),
        "LOUPE_SPOOL_DIR": str(spool_dir),
        "LOUPE_COLLECTOR_TOKEN": TOKEN,
        "LOUPE_COLLECTOR_PORT": str(port),
        "LOUPE_BATCH_MAX_DELAY_MS": "50",
    }
    loupe = str(Path(sys.executable).with_name("loupe"))
    url = f"http://127.0.0.1:{port}"
    with open(log, "wb") as log_file:
        server = subprocess.Popen([loupe, "collect"], env=env, stderr=log_file)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise AssertionError(f"collector did not start: {log.read_text()}") from None
                time.sleep(0.1)
        yield url
    finally:
        server.send_signal(signal.SIGTERM)
        exit_code = server.wait(60)
    assert exit_code in (0, -signal.SIGTERM), log.read_text()[-4000:]


def ndjson(records: list[dict]) -> bytes:
    return b"\n".join(orjson.dumps(record) for record in records)


@dataclass(frozen=True)
class Answer:
    """One POST: its status, the event ids it carried and whether they were spooled."""

    status: int
    ids: list[str]
    spooled: bool = False

    @property
    def acknowledged(self) -> bool:
        return self.status == 200


class Poster:
    """Posts bodies of `size` fresh records, one after another, until stopped; keeps answers.

    A refused post is not sent again: its records were not acknowledged, so the test can tell
    that every acknowledged record is stored, and no record twice."""

    def __init__(self, url: str, size: int = 200) -> None:
        self.url = f"{url}/v1/api-calls"
        self.size = size
        self.answers: list[Answer] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Poster:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(120)

    def _run(self) -> None:
        with httpx.Client(headers=HEADERS, timeout=60) as client:
            while not self._stop.is_set():
                ids = [str(uuid.uuid4()) for _ in range(self.size)]
                body = ndjson([api_call(event_id=event_id) for event_id in ids])
                response = client.post(self.url, content=body)
                spooled = response.status_code == 200 and response.json()["spooled"]
                self.answers.append(Answer(response.status_code, ids, spooled))

    def wait_for(self, what: Callable[[Answer], bool], count: int, timeout: float = 60) -> bool:
        """Wait until `count` answers given from now on satisfy `what`; False on timeout."""
        start = len(self.answers)
        deadline = time.monotonic() + timeout
        while sum(1 for answer in self.answers[start:] if what(answer)) < count:
            if time.monotonic() > deadline or not self._thread.is_alive():
                return False
            time.sleep(0.05)
        return True

    def acknowledged_ids(self) -> list[str]:
        return [
            event_id for answer in self.answers if answer.acknowledged for event_id in answer.ids
        ]


def wait_for_health(url: str, what: Callable[[dict], bool], timeout: float = 60) -> dict:
    """Poll `/healthz` until its body satisfies `what`, or `timeout`; return the last body
    (with its HTTP status as `http_status`)."""
    deadline = time.monotonic() + timeout
    while True:
        response = httpx.get(f"{url}/healthz", timeout=10)
        health = {**response.json(), "http_status": response.status_code}
        if what(health) or time.monotonic() > deadline:
            return health
        time.sleep(0.2)
