"""Keep the embedded warehouse's directory private: 0700, and nothing in it readable by others.

The directory holds the shop's data and, in the `mysql` link's metadata (`metadata/mysql.sql`),
the production database's password: chDB 26.9 writes a MySQL database engine's arguments there
in plaintext, and a named collection made with SQL just as plainly (docs/operations.md). So the
directory is created 0700, one that is open to others (made by an older Loupe, or by hand) is
closed once with everything under it, and while Loupe has the warehouse open the process's umask
is 0o077, so the files chDB writes (metadata, parts, merges) are 0600 and its directories 0700.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

PRIVATE_UMASK = 0o077
_OTHERS = 0o077  # group and other permission bits

_umask_lock = threading.Lock()
_saved_umask: int | None = None


def make_private(directory: Path) -> None:
    """Create `directory` 0700; if it is open to others, close it and everything under it."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not directory.stat().st_mode & _OTHERS:
        return
    for root, dirs, files in os.walk(directory):
        for name in dirs + files:
            path = os.path.join(root, name)
            mode = os.lstat(path).st_mode
            if not stat.S_ISLNK(mode) and mode & _OTHERS:
                os.chmod(path, stat.S_IMODE(mode) & ~_OTHERS)
    os.chmod(directory, 0o700)


def hold_private_umask() -> None:
    """Set the process umask to 0o077 until `release_private_umask` (the embedded engine's
    lifetime: chDB writes files from background threads at any time while it is open)."""
    global _saved_umask
    with _umask_lock:
        if _saved_umask is None:
            _saved_umask = os.umask(PRIVATE_UMASK)


def release_private_umask() -> None:
    """Restore the umask the process had before `hold_private_umask`."""
    global _saved_umask
    with _umask_lock:
        if _saved_umask is not None:
            os.umask(_saved_umask)
            _saved_umask = None
