"""Where the generated calls go: NDJSON files (one per day of arrival), or a BatchWriter.

An output takes serialized records (one JSON object, no newline) in arrival order together with
their arrival time, so a late call lands in the file of the day it arrived.
"""

from __future__ import annotations

import gzip
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any, Protocol
from zoneinfo import ZoneInfo

from loupe.simulate.seasonality import local_midnight_ms

_BUFFER_BYTES = 1 << 20
_CHUNK_BYTES = 1 << 20
_MAX_PENDING_CHUNKS = 8
_WRITER_CHUNK = 5_000


class CallOutput(Protocol):
    """Takes API-call records in arrival order."""

    def write(self, line: bytes, received_ms: int) -> None:
        """One record (JSON, no trailing newline) that arrived at `received_ms`."""

    def close(self) -> None:
        """Finish writing."""


class NdjsonOutput:
    """`calls-YYYY-MM-DD.ndjson[.gz]` files in `directory`, by local day of arrival.

    Gzip files carry no name or time in their header, so reruns are byte-identical. Compression
    and writes run on a background thread (zlib and file writes release the GIL), in order.
    """

    def __init__(self, directory: Path, timezone: str = "UTC", compress: bool = False) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.zone = ZoneInfo(timezone)
        self.compress = compress
        self.files: list[Path] = []
        self._raw: IO[bytes] | None = None
        self._stream: IO[bytes] | None = None
        self._day_start = 0
        self._day_end = -1
        self._chunk: list[bytes] = []
        self._chunk_bytes = 0
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ndjson")
        self._pending: deque[Future] = deque()

    def write(self, line: bytes, received_ms: int) -> None:
        """Append one record to the file of its arrival day."""
        if not self._day_start <= received_ms < self._day_end:
            self._next_day(received_ms)
        self._chunk.append(line)
        self._chunk_bytes += len(line) + 1
        if self._chunk_bytes >= _CHUNK_BYTES:
            self._flush_chunk()

    def _next_day(self, received_ms: int) -> None:
        self._flush_chunk()
        day = datetime.fromtimestamp(received_ms / 1000, self.zone).date()
        self._day_start = local_midnight_ms(day, self.zone)
        self._day_end = local_midnight_ms(day + timedelta(days=1), self.zone)
        suffix = ".ndjson.gz" if self.compress else ".ndjson"
        path = self.directory / f"calls-{day.isoformat()}{suffix}"
        self.files.append(path)
        self._submit(self._open_file, path)

    def _flush_chunk(self) -> None:
        if self._chunk:
            self._chunk.append(b"")
            self._submit(self._write_bytes, b"\n".join(self._chunk))
            self._chunk, self._chunk_bytes = [], 0

    def _submit(self, task: Callable[..., None], argument: Any) -> None:
        self._pending.append(self._worker.submit(task, argument))
        while len(self._pending) > _MAX_PENDING_CHUNKS or (
            self._pending and self._pending[0].done()
        ):
            self._pending.popleft().result()  # raises the worker's error, if any

    # -- on the worker thread --------------------------------------------------------------
    def _open_file(self, path: Path) -> None:
        self._close_file()
        # Arrival is in time order, so a day's file is opened once per run.
        self._raw = open(path, "wb", buffering=_BUFFER_BYTES)  # noqa: SIM115
        if self.compress:
            self._stream = gzip.GzipFile(
                filename="", mode="wb", fileobj=self._raw, compresslevel=5, mtime=0
            )
        else:
            self._stream = self._raw

    def _write_bytes(self, data: bytes) -> None:
        assert self._stream is not None
        self._stream.write(data)

    def _close_file(self, _: object = None) -> None:
        if self._stream is not None and self._stream is not self._raw:
            self._stream.close()
        if self._raw is not None:
            self._raw.close()
        self._raw = self._stream = None

    def close(self) -> None:
        """Write what is buffered and close the last file."""
        self._flush_chunk()
        self._submit(self._close_file, None)
        self._worker.shutdown(wait=True)
        while self._pending:
            self._pending.popleft().result()


class WriterOutput:
    """Hands records to a platform `BatchWriter` (warehouse or collector) in chunks."""

    def __init__(self, writer: Any) -> None:
        self.writer = writer
        self._chunk: list[bytes] = []

    def write(self, line: bytes, received_ms: int) -> None:
        """Queue one record; the writer stamps its own arrival time."""
        self._chunk.append(line)
        if len(self._chunk) >= _WRITER_CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self._chunk:
            self.writer.add_lines(self._chunk)
            self._chunk = []

    def close(self) -> None:
        """Hand over what is left and close the writer (it flushes)."""
        self._flush()
        self.writer.close()


class CollectingOutput:
    """Keeps the records in memory, for tests and small runs."""

    def __init__(self) -> None:
        self.lines: list[tuple[bytes, int]] = []

    def write(self, line: bytes, received_ms: int) -> None:
        """Keep one record."""
        self.lines.append((line, received_ms))

    def close(self) -> None:
        """Nothing to close."""
