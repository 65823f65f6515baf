"""BatchWriter: thread-safe batching of API-call records into the warehouse, losing nothing.

Callers hand records over (`add`, `add_many`, `add_lines`); validation runs in the caller's
thread, and a background thread flushes a batch when it holds `max_records` records or its oldest
record is `max_delay_ms` old, and on `flush`/`close`. A failed insert is retried with exponential
backoff; after the last retry the batch goes to the spool (fsynced) and is replayed later with the
same deduplication token. Memory is bounded: past `max_pending` records the caller blocks, or gets
`WriterFullError` when `when_full="raise"` (`TooManyRecordsError` for a group larger than
`max_pending`, which could never fit; blocking callers get such a group in when the writer is
empty). A group of no records is durable at once. `add_many` returns a future that resolves once its
records are durable (inserted or spooled): the collector answers only then.

With a `Privacy` (as `open_writer` gives it) personal data is scrubbed before anything is queued,
and with an `ErasureFilter` (idem) the records of erased persons are dropped and counted
(`Receipt.erased`), never stored (ingest/erased.py).
"""

from __future__ import annotations

import ctypes
import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa

from loupe.errors import NotDurableError, WriterClosedError, WriterFullError
from loupe.ingest import metrics
from loupe.ingest.batch import Batch
from loupe.ingest.bodies import insert_slices
from loupe.ingest.erased import ErasedKeys, ErasureFilter
from loupe.ingest.hash_key import hash_key
from loupe.ingest.records import NO_PRIVACY, Privacy, Rejection, decode_line, normalize, now_ms
from loupe.ingest.sinks import Sink, WarehouseSink
from loupe.ingest.spool import Spool
from loupe.settings import Settings
from loupe.warehouse import Warehouse

log = logging.getLogger("loupe.ingest")

REPLAY_INTERVAL_S = 5.0


class TooManyRecordsError(WriterFullError):
    """More records handed over at once than the writer ever holds: retrying cannot help."""


@dataclass(frozen=True)
class Receipt:
    """What became of a group of records once durable."""

    accepted: int
    rejected: int
    spooled: bool = False
    erased: int = 0  # valid records dropped: their person is on the erasure list


@dataclass(frozen=True)
class Health:
    """How the last write went: `ok` (inserted), `spooling` (the insert failed, the batch was
    spooled: still durable) or `failing` (neither: records were refused)."""

    status: str = "ok"
    last_error: str | None = None

    @property
    def durable(self) -> bool:
        """Whether the writer can currently make records durable."""
        return self.status != "failing"


class BatchWriter:
    """Batches records for a `Sink`; see the module docstring for the guarantees."""

    def __init__(
        self,
        sink: Sink,
        *,
        max_records: int = 10_000,
        max_delay_ms: int = 1_000,
        max_pending: int = 200_000,
        when_full: Literal["block", "raise"] = "block",
        retries: int = 3,
        backoff_s: float = 0.1,
        spool_dir: Path | None = None,
        max_record_bytes: int = 262_144,
        source: str = "writer",
        max_insert_bytes: int | None = None,
        received_clock: Callable[[], int] = now_ms,
        privacy: Privacy = NO_PRIVACY,
        erasures: ErasureFilter | None = None,
    ) -> None:
        self.sink = sink
        self.received_clock = received_clock  # the records' received_at, in epoch milliseconds
        self.privacy = privacy
        self.erasures = erasures
        self.max_records = max_records
        self.max_delay_s = max_delay_ms / 1000
        self.max_pending = max_pending
        self.when_full = when_full
        self.retries = retries
        self.backoff_s = backoff_s
        self.max_record_bytes = max_record_bytes
        self.source = source
        self.max_insert_bytes = max_insert_bytes
        self.spool = Spool(spool_dir) if spool_dir else None
        self._cond = threading.Condition()
        self._batch = Batch()
        self._waiters: list[tuple[Future, int, int, int]] = []
        self._oldest_at = 0.0
        self._pending = 0
        self._flush_requested = False
        self._closing = False
        self._next_replay_at = 0.0
        self.health = Health()
        if self.spool:
            self.spool.clean_temporaries()
            metrics.SPOOL_BATCHES.set(len(self.spool))
        self._thread = threading.Thread(target=self._run, name="loupe-batch-writer", daemon=True)
        self._thread.start()

    # -- handing records over ----------------------------------------------------------------
    def add(self, record: Any) -> None:
        """Queue one decoded record (a dict); does not wait for it to be written."""
        self.add_many([record])

    def add_many(self, records: Iterable[Any]) -> Future[Receipt]:
        """Queue decoded records; the future resolves when they are durable."""
        received_at = self.received_clock()
        return self._enqueue(
            [
                normalize(record, received_at, self.max_record_bytes, privacy=self.privacy)
                for record in records
            ],
            received_at,
        )

    def offer(self, record: Any) -> bool:
        """Queue one record without ever blocking the caller (used by the middleware).

        Returns False, and counts the record as dropped, when the writer is full or closed.
        """
        received_at = self.received_clock()
        item = normalize(record, received_at, self.max_record_bytes, privacy=self.privacy)
        try:
            self._enqueue([item], received_at, when_full="raise")
        except (WriterFullError, WriterClosedError):
            metrics.RECORDS_DROPPED.inc()
            return False
        return True

    def add_lines(self, lines: Iterable[bytes]) -> Future[Receipt]:
        """Queue NDJSON lines (invalid JSON is rejected line by line)."""
        received_at = self.received_clock()
        return self._enqueue(
            [
                decode_line(line, received_at, self.max_record_bytes, self.privacy)
                for line in lines
                if line.strip()
            ],
            received_at,
        )

    def add_decoded(self, items: list[tuple | Rejection], received_at: int) -> Future[Receipt]:
        """Queue rows and rejections already validated (by `bodies.decode_records`)."""
        return self._enqueue(items, received_at)

    def request_flush(self) -> None:
        """Ask for the current batch to be written now, without waiting for it."""
        with self._cond:
            self._flush_requested = True
            self._cond.notify_all()

    def flush(self, timeout: float | None = None) -> None:
        """Write everything queued so far and wait until it is durable (inserted or spooled)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            self._flush_requested = True
            self._cond.notify_all()
            while self._pending > 0:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise TimeoutError(f"{self._pending} records still pending after {timeout} s")
                self._cond.wait(remaining)

    def close(self, timeout: float | None = 60.0) -> None:
        """Flush what is queued and stop; records added afterwards raise `WriterClosedError`."""
        with self._cond:
            if self._closing:
                return
            self._closing = True
            self._cond.notify_all()
        self._thread.join(timeout)
        close_sink = getattr(self.sink, "close", None)
        if close_sink:
            close_sink()

    def __enter__(self) -> BatchWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pending(self) -> int:
        """Records held in memory (queued or being written)."""
        return self._pending

    def _enqueue(
        self, items: list[tuple | Rejection], received_at: int, when_full: str | None = None
    ) -> Future[Receipt]:
        future: Future[Receipt] = Future()
        accepted = [item for item in items if not isinstance(item, Rejection)]
        erased = 0
        if self.erasures is not None:
            accepted, erased = self.erasures.keep(accepted)
        rejected = [
            (received_at, item, self.source) for item in items if isinstance(item, Rejection)
        ]
        count = len(items) - erased
        raising = (when_full or self.when_full) == "raise"
        with self._cond:
            while True:
                if self._closing:
                    raise WriterClosedError("the BatchWriter is closed")
                if not count:  # nothing to write: durable at once
                    future.set_result(Receipt(0, 0, erased=erased))
                    return future
                if count > self.max_pending and raising:
                    raise TooManyRecordsError(
                        f"{count} records in one go, more than the writer holds "
                        f"({self.max_pending}): send fewer at a time"
                    )
                if self._pending == 0 or self._pending + count <= self.max_pending:
                    break
                if raising:
                    raise WriterFullError(
                        f"the writer holds {self._pending} records (max {self.max_pending}); "
                        "the warehouse is not keeping up, retry later"
                    )
                self._cond.wait()
            was_empty = not len(self._batch)
            if was_empty:
                self._oldest_at = time.monotonic()
            self._batch.rows.extend(accepted)
            self._batch.rejections.extend(rejected)
            self._pending += count
            self._waiters.append((future, len(accepted), len(rejected), erased))
            metrics.PENDING.set(self._pending)
            if was_empty or len(self._batch) >= self.max_records:
                self._cond.notify_all()
        return future

    # -- the background thread ---------------------------------------------------------------
    def _due(self) -> bool:
        size = len(self._batch)
        return size > 0 and (
            self._closing
            or self._flush_requested
            or size >= self.max_records
            or time.monotonic() - self._oldest_at >= self.max_delay_s
        )

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._due() and not self._closing and not self._replay_due():
                    wait = self.max_delay_s if len(self._batch) else REPLAY_INTERVAL_S
                    if len(self._batch):
                        wait = max(0.0, self._oldest_at + self.max_delay_s - time.monotonic())
                    self._cond.wait(wait)
                batch, waiters = self._batch, self._waiters
                self._batch, self._waiters, self._flush_requested = Batch(), [], False
                stop = self._closing and not len(batch)
            if len(batch) or waiters:
                self._write(batch, waiters)
            del batch, waiters  # not kept alive while the next batch fills
            release_memory()
            if self._replay_due():
                self.replay()
            if stop:
                return

    def _write(self, batch: Batch, waiters: list[tuple[Future, int, int, int]]) -> None:
        started = time.perf_counter()
        spooled, error = False, None
        if len(batch):
            parts = insert_slices(batch, self.max_insert_bytes)
            for index, part in enumerate(parts):
                try:
                    self._write_with_retries(part)
                except Exception as exc:
                    spooled, error = self._spool(parts[index:], exc)
                    break
            else:
                self.health = Health()
            del parts
        metrics.FLUSH_SECONDS.observe(time.perf_counter() - started)
        metrics.RECORDS_IN.inc(len(batch.rows))
        metrics.RECORDS_REJECTED.inc(len(batch.rejections))
        for future, accepted, rejected, erased in waiters:
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(Receipt(accepted, rejected, spooled, erased))
        with self._cond:
            self._pending -= len(batch)
            metrics.PENDING.set(self._pending)
            self._cond.notify_all()

    def _write_with_retries(self, batch: Batch) -> None:
        for attempt in range(self.retries + 1):
            try:
                self.sink.write(batch)
                return
            except Exception as exc:
                if attempt == self.retries:
                    raise
                log.warning("write failed (attempt %d): %s", attempt + 1, exc)
                time.sleep(min(self.backoff_s * 2**attempt, 5.0))

    def _spool(self, batches: list[Batch], exc: Exception) -> tuple[bool, Exception | None]:
        count = sum(map(len, batches))
        if self.spool is None:
            log.error("write failed, no spool configured: %s", exc)
            self.health = Health("failing", f"insert failed, no spool: {exc}")
            return False, NotDurableError(f"insert failed and no spool is configured: {exc}")
        try:
            for batch in batches:
                self.spool.put(batch)
        except OSError as spool_exc:
            log.error("write failed (%s) and spooling failed too: %s", exc, spool_exc)
            message = f"insert failed ({exc}) and spooling failed ({spool_exc})"
            self.health = Health("failing", message)
            return False, NotDurableError(message)
        self.health = Health("spooling", f"insert failed, batch spooled: {exc}")
        log.warning("warehouse unavailable (%s): spooled %d records", exc, count)
        metrics.RECORDS_SPOOLED.inc(count)
        metrics.SPOOL_BATCHES.set(len(self.spool))
        self._next_replay_at = time.monotonic() + REPLAY_INTERVAL_S
        return True, None

    def _replay_due(self) -> bool:
        return (
            self.spool is not None
            and time.monotonic() >= self._next_replay_at
            and bool(self.spool.pending())
        )

    def replay(self) -> int:
        """Write spooled batches, oldest first, until one fails; return records replayed."""
        if self.spool is None:
            return 0
        replayed = 0
        for path, batch in self.spool.batches():
            try:
                self.sink.write(batch)
            except Exception as exc:
                log.info("spool replay deferred: %s", exc)
                self._next_replay_at = time.monotonic() + REPLAY_INTERVAL_S
                break
            self.spool.remove(path)
            self.health = Health()
            replayed += len(batch)
            metrics.RECORDS_REPLAYED.inc(len(batch))
        metrics.SPOOL_BATCHES.set(len(self.spool))
        return replayed


def _glibc_malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to trim
        return None


_MALLOC_TRIM = _glibc_malloc_trim()


def release_memory() -> None:
    """Give memory freed by a written batch back to the system (Arrow's pool, glibc's heap),
    so that the next batches and bodies start from the same footprint."""
    pa.default_memory_pool().release_unused()
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def open_writer(
    settings: Settings, warehouse: Warehouse, source: str = "writer", sink: Sink | None = None
) -> BatchWriter:
    """A BatchWriter into the warehouse (or `sink`, wrapping it), configured from the settings,
    scrubbing and treating client IPs as they say, and dropping the records of erased persons."""
    return BatchWriter(
        sink or WarehouseSink(warehouse),
        max_records=settings.batch_max_records,
        max_delay_ms=settings.batch_max_delay_ms,
        max_pending=settings.writer_max_pending,
        when_full=settings.writer_when_full,
        retries=settings.writer_retries,
        spool_dir=settings.spool_dir / "api_calls",
        max_record_bytes=settings.max_record_bytes,
        source=source,
        privacy=Privacy.from_settings(settings),
        erasures=ErasureFilter(lambda: ErasedKeys.load(warehouse, hash_key(settings))),
    )
