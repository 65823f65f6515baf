"""An exclusive, crash-safe lock on the embedded warehouse directory, naming its holder.

chDB lets one process open a data directory; a second one fails with a bare "Error initializing
EmbeddedServer". Loupe takes this lock *before* connecting, so the second process gets a clear
message with the holder's pid instead. `flock` is released by the kernel when the holder dies, so a
crash never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import sys
from pathlib import Path

from loupe.errors import WarehouseLockedError

LOCK_FILE_NAME = ".loupe.lock"
# Commands that run until stopped; `serve` runs the other three's work in one process.
LONG_RUNNING = ("collect", "run", "dashboards")


class WarehouseInUseError(WarehouseLockedError):
    """The embedded warehouse is held by another process, named as its lock file records it."""

    def __init__(self, directory: Path, holder: str) -> None:
        self.directory = directory
        self.holder = holder  # "pid 123 (loupe collect)", written by the holder's `acquire`
        self.command = holder.partition("(")[2].rstrip(")").split()
        super().__init__(
            f"the warehouse {directory} is in use by {holder}: an embedded warehouse opens in one "
            f"process at a time, and commands cannot share it with a running process yet. "
            f"{self.advice()}"
        )

    def advice(self) -> str:
        """What the user can do, given the command that holds the warehouse."""
        if "serve" in self.command:
            return (
                "That `loupe serve` already runs the collector, the scheduler and the dashboards "
                "(/dashboards/ on its port), and `loupe status` asks it; stop it (SIGTERM) to run "
                "other commands."
            )
        if any(name in self.command for name in LONG_RUNNING):
            return (
                "Stop it (SIGTERM) first, or run the collector, the scheduler and the dashboards "
                "together in one `loupe serve`."
            )
        return (
            "Wait for it to end or stop it (`loupe serve` runs the collector, the scheduler and "
            "the dashboards in one process)."
        )


class DirectoryLock:
    """Holds an exclusive `flock` on `<directory>/.loupe.lock` and records the holder in it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / LOCK_FILE_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise `WarehouseLockedError` naming the process that holds it."""
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 4096, 0).decode(errors="replace").strip() or "unknown process"
            os.close(fd)
            raise WarehouseInUseError(self.directory, holder) from None
        os.ftruncate(fd, 0)
        command = " ".join(os.path.basename(arg) for arg in sys.argv[:3])
        os.pwrite(fd, f"pid {os.getpid()} ({command})\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Drop the lock (the file stays; its content is rewritten by the next holder)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
