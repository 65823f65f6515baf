"""A local spool of batches that could not be written, replayed when the warehouse is back.

Each batch is a directory `<sequence>-<token>/` holding `accepted.arrow` and `rejected.arrow`
(Arrow IPC). It is written under a temporary name, every file fsynced, then renamed into place and
the spool directory fsynced: a batch is either wholly in the spool or not at all, even across a
power cut. Replays insert with the batch's original deduplication token, so a batch that did land
before its acknowledgement was lost is not inserted twice.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from loupe.ingest.batch import Batch

_ACCEPTED = "accepted.arrow"
_REJECTED = "rejected.arrow"


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_table(path: Path, table: pa.Table) -> None:
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    _fsync_path(path)


def _read_table(path: Path) -> pa.Table:
    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_file(source).read_all()


class Spool:
    """Durable FIFO of batches on local disk, in a directory only its owner can read (the
    batches hold session ids and bodies, whatever the process's umask)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.directory.chmod(0o700)

    def put(self, batch: Batch) -> Path:
        """Write a batch durably; return its directory."""
        name = f"{time.time_ns():020d}-{batch.token}"
        staging = self.directory / f".tmp-{name}"
        staging.mkdir()
        try:
            _write_table(staging / _ACCEPTED, batch.accepted_table())
            _write_table(staging / _REJECTED, batch.rejected_table())
            _fsync_path(staging)
        except BaseException:
            # On a full disk, a half-written batch would hold the space the replay needs.
            shutil.rmtree(staging, ignore_errors=True)
            raise
        final = self.directory / name
        os.rename(staging, final)
        _fsync_path(self.directory)
        return final

    def pending(self) -> list[Path]:
        """Spooled batches, oldest first (half-written temporaries are ignored)."""
        return sorted(p for p in self.directory.iterdir() if p.is_dir() and p.name[0] != ".")

    def __len__(self) -> int:
        return len(self.pending())

    def records(self) -> int:
        """How many records wait in the spool (read from the Arrow footers)."""
        total = 0
        for path in self.pending():
            for name in (_ACCEPTED, _REJECTED):
                with pa.memory_map(str(path / name)) as source:
                    total += pa.ipc.open_file(source).read_all().num_rows
        return total

    def batches(self) -> Iterator[tuple[Path, Batch]]:
        """Yield each spooled batch with its path, oldest first."""
        for path in self.pending():
            token = path.name.partition("-")[2]
            accepted = _read_table(path / _ACCEPTED)
            rejected = _read_table(path / _REJECTED)
            yield path, Batch.from_tables(accepted, rejected, token)

    def rewrite(self, path: Path, batch: Batch) -> None:
        """Replace a spooled batch by `batch` (an erasure's: fewer rows, the same token), or drop
        it when nothing is left. The new batch is whole in the spool before the old one goes."""
        if len(batch):
            self.put(batch)
        self.remove(path)

    def remove(self, path: Path) -> None:
        """Drop a replayed batch."""
        shutil.rmtree(path, ignore_errors=True)
        _fsync_path(self.directory)

    def clean_temporaries(self) -> None:
        """Remove batches whose writing was interrupted (they were never acknowledged)."""
        for path in self.directory.glob(".tmp-*"):
            shutil.rmtree(path, ignore_errors=True)
