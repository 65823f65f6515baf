"""Job leases in `etl.job_locks`: the same job never runs in two scheduler processes at once.

Taking a lease inserts a row, waits `settle` seconds (so a rival's insert of the same moment is
visible), and reads back the earliest live token of the lock: the lease is ours only if that is
our token; otherwise we withdraw. When every insert is visible within `settle` of its
`acquired_at`, a rival that asked later reads after our row is visible, and one that asked
earlier is visible when we read: one winner. A take whose insert took longer than `settle` may
have become visible after a later rival had read and won, so it wins only if no rival is live.
A heartbeat thread renews a held lease every third of its time to live, so a long run keeps it,
and a crashed holder's lease expires by itself; sooner, a starting scheduler and each `loupe etl`
command release the leases of holders known to be dead (`release_dead_holders`).

Limits: correct on one ClickHouse server (inserts are visible to the next read, and all times
come from the server clock). On a replicated cluster, reads may lag inserts: set
`insert_quorum` / `select_sequential_consistency` for etl.job_locks, or run one scheduler.
On the embedded engine the warehouse directory lock admits a single process, and other Loupe
commands reach it through that process's HTTP interface: the lease keeps a command's `etl run`
and the holder's scheduler apart, as on a server.

The ETL's runs (hourly, nightly, audits, and the `loupe etl` commands) all stage days in the same
etl.* tables, so they share one lock, `ETL_LOCK`; `etl_lease` takes it for a command.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from loupe import sqlfiles
from loupe.errors import LoupeError
from loupe.settings import Settings
from loupe.warehouse import Warehouse

log = logging.getLogger("loupe.scheduler")

TAKE_SQL = sqlfiles.load("loupe.scheduler", "lease_take")
RELEASE_SQL = sqlfiles.load("loupe.scheduler", "lease_release")
LIVE_SQL = sqlfiles.load("loupe.scheduler", "lease_live")
ALL_LIVE_SQL = sqlfiles.load("loupe.scheduler", "lease_all_live")
ETL_LOCK = "etl_days"


def new_holder() -> str:
    """A holder name: `host:pid:random`, so leases name the process that holds them."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LeaseHeld(Exception):
    """Another holder has the lease; `holder` names it."""

    def __init__(self, lock_name: str, holder: str) -> None:
        super().__init__(f"{lock_name} is held by {holder}")
        self.holder = holder


class Lease:
    """One lease on `lock_name`; use as a context manager (raises `LeaseHeld` if refused)."""

    def __init__(
        self, warehouse: Warehouse, lock_name: str, holder: str, ttl: float, settle: float
    ) -> None:
        self.warehouse = warehouse
        self.lock_name = lock_name
        self.holder = holder
        self.ttl = ttl
        self.settle = settle
        self.token = str(uuid.uuid4())
        self._done = threading.Event()
        self._heartbeat: threading.Thread | None = None

    def _params(self) -> dict:
        return {
            "lock_name": self.lock_name,
            "token": self.token,
            "holder": self.holder,
            "ttl_ms": int(self.ttl * 1000),
        }

    def acquire(self) -> None:
        """Take the lease or raise `LeaseHeld` naming the holder."""
        live = self.warehouse.rows(LIVE_SQL, {"lock_name": self.lock_name})
        if live:
            raise LeaseHeld(self.lock_name, live[0]["holder"])
        take_started = time.monotonic()
        self.warehouse.command(TAKE_SQL, self._params())
        take_seconds = time.monotonic() - take_started
        self._done.wait(self.settle)
        live = self.warehouse.rows(LIVE_SQL, {"lock_name": self.lock_name})
        rivals = [lease for lease in live if str(lease["token"]) != self.token]
        first = bool(live) and str(live[0]["token"]) == self.token
        # A take slower than the settle time may have become visible after a later rival read
        # back and won: it wins only alone.
        if not first or (rivals and take_seconds > self.settle):
            self.warehouse.command(RELEASE_SQL, self._params())
            raise LeaseHeld(self.lock_name, rivals[0]["holder"] if rivals else "nobody (expired)")
        self._heartbeat = threading.Thread(
            target=self._renew, name=f"lease-{self.lock_name}", daemon=True
        )
        self._heartbeat.start()

    def _renew(self) -> None:
        while not self._done.wait(self.ttl / 3):
            try:
                self.warehouse.command(TAKE_SQL, self._params())
            except Exception as exc:  # the run goes on; the lease may lapse, and we say so
                log.warning("could not renew the lease %s: %s", self.lock_name, exc)

    def release(self) -> None:
        """Stop renewing and release the lease."""
        self._done.set()
        if self._heartbeat is not None:
            self._heartbeat.join()
        self.warehouse.command(RELEASE_SQL, self._params())

    def __enter__(self) -> Lease:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def release_dead_holders(
    warehouse: Warehouse, embedded: bool, lock_name: str | None = None
) -> list[str]:
    """Release leases (of `lock_name`, or of every lock) of processes that died holding them;
    return the holders released.

    A holder on this host whose pid is gone is dead. With the embedded engine only Loupe
    processes reach the warehouse (the one holding it, and commands through its HTTP interface),
    so a pid that now runs something else was reused after a crash and restart: dead too.
    """
    here = socket.gethostname()
    released = []
    for row in warehouse.rows(ALL_LIVE_SQL):
        if lock_name is not None and row["lock_name"] != lock_name:
            continue
        host, _, rest = row["holder"].partition(":")
        pid_text = rest.partition(":")[0]
        if host != here or not pid_text.isdigit() or int(pid_text) == os.getpid():
            continue
        pid = int(pid_text)
        if not _alive(pid) or (embedded and not _runs_loupe(pid)):
            params = {"lock_name": row["lock_name"], "token": str(row["token"])}
            warehouse.command(RELEASE_SQL, {**params, "holder": row["holder"]})
            released.append(row["holder"])
    return released


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _runs_loupe(pid: int) -> bool:
    """Whether process `pid` runs Loupe (its command line names it); True when unknown."""
    if not os.path.isdir("/proc/self"):
        return True
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return b"loupe" in cmdline.read()
    except FileNotFoundError:
        return False
    except OSError:
        return True


@contextmanager
def command_lease(
    warehouse: Warehouse, settings: Settings, lock_name: str, what: str
) -> Iterator[None]:
    """Hold the lease `lock_name`, which the scheduler's jobs of the same work take, for a
    command's run (`what` names that work in its messages), so that a manual run never writes the
    same tables at the same time as the scheduler's (in a `loupe serve` whose warehouse the
    command reaches through its HTTP interface, or on a server).

    A lease left by a killed run (SIGKILL, a crash: nothing released it) is released first, as a
    starting scheduler does, so the next run need not wait for it to expire."""
    for holder in release_dead_holders(warehouse, warehouse.kind == "embedded", lock_name):
        log.warning("released the %s lease of %s: that process is no longer running", what, holder)
    lease = Lease(
        warehouse,
        lock_name,
        new_holder(),
        settings.scheduler_lease_seconds,
        settings.scheduler_lease_settle_seconds,
    )
    try:
        lease.acquire()
    except LeaseHeld as held:
        raise LoupeError(
            f"another {what} run is under way: {held}; try again when it ends"
        ) from None
    try:
        yield
    finally:
        lease.release()


def etl_lease(warehouse: Warehouse, settings: Settings) -> contextlib.AbstractContextManager[None]:
    """Hold the ETL's lease (the scheduler's ETL jobs take the same one) for a command's run."""
    return command_lease(warehouse, settings, ETL_LOCK, "ETL")
