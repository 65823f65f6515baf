"""`loupe ingest`: load files of API-call records (NDJSON or a JSON array, optionally gzip)."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from loupe.errors import LoupeError
from loupe.ingest.bodies import BodyError, array_elements
from loupe.ingest.writer import BatchWriter, Receipt

CHUNK_LINES = 5_000


@dataclass
class IngestResult:
    """Counts of one `ingest_files` run."""

    files: int = 0
    accepted: int = 0
    rejected: int = 0
    spooled: bool = False
    erased: int = 0


def _open(path: Path) -> IO[bytes]:
    if not path.is_file():
        raise LoupeError(f"{path}: no such file")
    return gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")


def _is_json_array(path: Path) -> bool:
    with _open(path) as handle:
        head = handle.read(4096).lstrip()
    return head.startswith(b"[")


def _line_chunks(handle: IO[bytes], on_bytes: Callable[[int], None]) -> Iterator[list[bytes]]:
    chunk: list[bytes] = []
    for line in handle:
        on_bytes(len(line))
        chunk.append(line[:-1] if line.endswith(b"\n") else line)  # as the collector splits
        if len(chunk) >= CHUNK_LINES:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _chunks(texts: Iterator[bytes]) -> Iterator[list[bytes]]:
    chunk: list[bytes] = []
    for text in texts:
        chunk.append(text)
        if len(chunk) >= CHUNK_LINES:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def ingest_files(
    paths: list[Path], writer: BatchWriter, on_bytes: Callable[[int], None] = lambda n: None
) -> IngestResult:
    """Feed every record of `paths` to the writer and wait until all are durable."""
    futures: list[Future[Receipt]] = []
    for path in paths:
        try:
            if _is_json_array(path):
                with _open(path) as handle:
                    data = handle.read()
                on_bytes(path.stat().st_size)
                # Element by element, each with its text: a record that cannot be decoded is
                # rejected with its payload, and never aborts the file.
                try:
                    for chunk in _chunks(array_elements(data)):
                        futures.append(writer.add_lines(chunk))
                except BodyError as exc:
                    raise LoupeError(f"{path}: {exc.message}") from None
            else:
                with _open(path) as handle:
                    for chunk in _line_chunks(handle, on_bytes):
                        futures.append(writer.add_lines(chunk))
        except (OSError, EOFError) as exc:
            raise LoupeError(f"{path}: cannot read ({exc})") from exc
    writer.flush()
    result = IngestResult(files=len(paths))
    for future in futures:
        receipt = future.result()
        result.accepted += receipt.accepted
        result.rejected += receipt.rejected
        result.erased += receipt.erased
        result.spooled = result.spooled or receipt.spooled
    return result


def uncompressed_size(path: Path) -> int:
    """Bytes `ingest_files` will read from `path` (gzip keeps the size, mod 4 GiB, in its tail)."""
    if path.suffix != ".gz":
        return path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(-4, 2)
        return int.from_bytes(handle.read(4), "little")
