"""A small tmpfs for outage tests: filled to 100%, made read-only, then freed again.

Mounting needs root. Without it, a test that asks for a small disk is run again in a child
pytest inside `unshare --user --map-root-user --mount`, where it is root of its own mount
namespace; the outer test reports the child's outcome. Only when neither works is it skipped.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

IN_NAMESPACE_ENV = "LOUPE_TEST_IN_USER_NAMESPACE"
UNSHARE = ("unshare", "--user", "--map-root-user", "--mount")
_CHUNK = b"\0" * (1 << 20)


def _run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, check=False)


class SmallDisk:
    """A tmpfs of `size_mb` at `path` (see the module docstring)."""

    def __init__(self, path: Path, size_mb: int) -> None:
        self.path = path
        self.size_mb = size_mb
        self.filler = path / "filler"
        self._read_only = False

    def mount(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        done = _run("mount", "-t", "tmpfs", "-o", f"size={self.size_mb}m", "tmpfs", str(self.path))
        if done.returncode:
            raise OSError(f"mount -t tmpfs failed: {done.stderr.strip()}")

    def unmount(self) -> None:
        if self._read_only:
            self.writable()
        # Lazily: a process that died holding a file there must not keep the mount.
        _run("umount", "-l", str(self.path))

    def free_bytes(self) -> int:
        stats = os.statvfs(self.path)
        return stats.f_bavail * stats.f_frsize

    def fill(self) -> None:
        """Write a file until the disk is full: every further write gets ENOSPC."""
        with open(self.filler, "ab", buffering=0) as file:
            for chunk in (_CHUNK, _CHUNK[:4096], _CHUNK[:1]):
                try:
                    while True:
                        file.write(chunk)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise

    def leave_free(self, size: int) -> None:
        """Fill the disk but for about `size` bytes."""
        with open(self.filler, "ab") as file:
            file.write(b"\0" * max(0, self.free_bytes() - size))

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)

    def read_only(self) -> None:
        """Make the whole disk read-only for new writes, as a remount would (a bind mount of
        it over itself, remounted read-only: files already open keep their descriptors)."""
        for command in (
            ("mount", "--bind", str(self.path), str(self.path)),
            ("mount", "-o", "remount,bind,ro", str(self.path)),
        ):
            done = _run(*command)
            if done.returncode:
                raise OSError(f"{' '.join(command)} failed: {done.stderr.strip()}")
        self._read_only = True

    def writable(self) -> None:
        _run("umount", str(self.path))
        self._read_only = False


def mount_small_disk(path: Path, size_mb: int, nodeid: str, rootdir: Path) -> SmallDisk:
    """Mount a small tmpfs, or run the test `nodeid` in a user namespace, or skip it."""
    disk = SmallDisk(path, size_mb)
    if os.geteuid() == 0:
        try:
            disk.mount()
            return disk
        except OSError as exc:
            pytest.skip(f"cannot mount a tmpfs as root here: {exc}")
    if os.environ.get(IN_NAMESPACE_ENV) or not shutil.which("unshare"):
        pytest.skip("mounting a tmpfs needs root, and unshare is not available")
    probe = _run(*UNSHARE, "true")
    if probe.returncode:
        pytest.skip(f"mounting a tmpfs needs root, and unshare failed: {probe.stderr.strip()}")
    child = subprocess.run(
        [*UNSHARE, sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", nodeid],
        cwd=rootdir,
        env={**os.environ, IN_NAMESPACE_ENV: "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode:
        pytest.fail(f"in a user namespace, the test failed:\n{child.stdout[-4000:]}")
    pytest.skip("passed in a user namespace (unshare): this user cannot mount a tmpfs")
