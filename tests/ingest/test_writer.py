"""BatchWriter on the real chDB warehouse: flush triggers, backpressure, spool and replay."""

from __future__ import annotations

import os
import stat
import threading
import time
import uuid
from pathlib import Path

import pyarrow as pa
import pytest

from loupe.errors import NotDurableError, WriterFullError
from loupe.ingest.sinks import WarehouseSink
from loupe.ingest.spool import Spool
from loupe.ingest.writer import BatchWriter
from loupe.warehouse import Warehouse
from tests.helpers.calls import api_call
from tests.helpers.ingest import GatedSink, SwitchableSink, stored

NEVER_MS = 3_600_000


def records(count: int, session: str = "s") -> list[dict]:
    return [api_call(event_id=str(uuid.uuid4()), session_id=session) for _ in range(count)]


@pytest.fixture
def no_merges(warehouse: Warehouse) -> Warehouse:
    """Stop background merges, so ReplacingMergeTree cannot hide a duplicate insert."""
    warehouse.command("SYSTEM STOP MERGES pd.api_calls")
    return warehouse


def test_flushes_when_batch_is_full(warehouse: Warehouse) -> None:
    with BatchWriter(WarehouseSink(warehouse), max_records=100, max_delay_ms=NEVER_MS) as writer:
        receipt = writer.add_many(records(100)).result(timeout=30)
        assert receipt.accepted == 100
        assert stored(warehouse) == (100, 100)  # written before any close or timer


def test_flushes_after_delay(warehouse: Warehouse) -> None:
    with BatchWriter(WarehouseSink(warehouse), max_records=10**6, max_delay_ms=200) as writer:
        writer.add_many(records(3)).result(timeout=30)
        assert stored(warehouse) == (3, 3)


def test_close_flushes(warehouse: Warehouse) -> None:
    writer = BatchWriter(WarehouseSink(warehouse), max_records=10**6, max_delay_ms=NEVER_MS)
    for record in records(5):
        writer.add(record)
    assert stored(warehouse) == (0, 0)
    writer.close()
    assert stored(warehouse) == (5, 5)


def test_rejected_records_land_with_reason(warehouse: Warehouse) -> None:
    bad = [api_call(session_id=None), api_call(ts="never"), api_call(request=[1])]
    with BatchWriter(WarehouseSink(warehouse), source="test") as writer:
        receipt = writer.add_many([*records(2), *bad]).result(timeout=30)
    assert (receipt.accepted, receipt.rejected) == (2, 3)
    rows = warehouse.rows(
        "SELECT reason, payload, source FROM pd.api_calls_rejected ORDER BY reason"
    )
    assert [row["reason"] for row in rows] == [
        "request is not a JSON object",
        "session_id is missing",
        "ts is not an ISO 8601 time or epoch milliseconds: 'never'",
    ]
    assert all(row["source"] == "test" and '"endpoint"' in row["payload"] for row in rows)
    assert stored(warehouse) == (2, 2)


def test_concurrent_producers_lose_nothing(warehouse: Warehouse) -> None:
    with BatchWriter(WarehouseSink(warehouse), max_records=700, max_delay_ms=50) as writer:
        threads = [
            threading.Thread(target=lambda: [writer.add(r) for r in records(1000)])
            for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert stored(warehouse) == (8000, 8000)


def test_full_writer_raises_when_configured(warehouse: Warehouse) -> None:
    sink = GatedSink(warehouse)
    writer = BatchWriter(sink, max_records=10, max_pending=10, when_full="raise")
    try:
        first = writer.add_many(records(10))
        with pytest.raises(WriterFullError, match="holds 10 records"):
            writer.add_many(records(1))
        assert writer.offer(api_call()) is False  # the middleware path never blocks
    finally:
        sink.gate.set()
        first.result(timeout=30)
        writer.close()
    assert stored(warehouse) == (10, 10)


def test_full_writer_blocks_until_space(warehouse: Warehouse) -> None:
    sink = GatedSink(warehouse)
    writer = BatchWriter(sink, max_records=10, max_pending=10, when_full="block")
    writer.add_many(records(10))
    producer = threading.Thread(target=lambda: writer.add_many(records(5)))
    producer.start()
    producer.join(0.5)
    assert producer.is_alive()  # blocked by backpressure
    sink.gate.set()
    producer.join(30)
    assert not producer.is_alive()
    writer.close()
    assert stored(warehouse) == (15, 15)


def test_spool_then_replay_lands_each_record_once(no_merges: Warehouse, tmp_path: Path) -> None:
    sink = SwitchableSink(no_merges, mode="down")
    writer = BatchWriter(sink, retries=2, backoff_s=0.001, spool_dir=tmp_path / "spool")
    receipt = writer.add_many(records(50)).result(timeout=30)
    assert receipt.spooled and receipt.accepted == 50
    assert sink.attempts == 3
    assert stored(no_merges) == (0, 0)
    assert len(Spool(tmp_path / "spool")) == 1
    sink.mode = "up"
    assert writer.replay() == 50
    writer.close()
    assert stored(no_merges) == (50, 50)
    assert len(Spool(tmp_path / "spool")) == 0


def test_lost_acknowledgements_never_duplicate(no_merges: Warehouse, tmp_path: Path) -> None:
    sink = SwitchableSink(no_merges, mode="lost_ack")
    writer = BatchWriter(sink, retries=2, backoff_s=0.001, spool_dir=tmp_path / "spool")
    receipt = writer.add_many(records(40)).result(timeout=30)
    assert receipt.spooled  # every attempt "failed", yet each one inserted
    assert sink.attempts == 3
    assert stored(no_merges) == (40, 40)
    sink.mode = "up"
    writer.replay()  # the spooled copy carries the same deduplication token
    writer.close()
    assert stored(no_merges) == (40, 40)


def test_spool_is_replayed_by_the_next_process(no_merges: Warehouse, tmp_path: Path) -> None:
    spool_dir = tmp_path / "spool"
    down = SwitchableSink(no_merges, mode="down")
    with BatchWriter(down, retries=0, spool_dir=spool_dir) as writer:
        writer.add_many(records(25)).result(timeout=30)
    assert stored(no_merges) == (0, 0)
    with BatchWriter(WarehouseSink(no_merges), spool_dir=spool_dir):
        deadline = time.monotonic() + 30
        while stored(no_merges) != (25, 25) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert stored(no_merges) == (25, 25)
    assert len(Spool(spool_dir)) == 0


def test_health_follows_the_writes_and_an_unkept_batch_fails(
    no_merges: Warehouse, tmp_path: Path
) -> None:
    sink = SwitchableSink(no_merges, mode="down")
    without_spool = BatchWriter(sink, retries=0)
    with pytest.raises(NotDurableError, match="no spool"):
        without_spool.add_many(records(5)).result(timeout=30)
    assert without_spool.health.status == "failing" and not without_spool.health.durable
    without_spool.close()
    with BatchWriter(sink, retries=0, spool_dir=tmp_path / "spool") as writer:
        writer.add_many(records(5)).result(timeout=30)
        assert writer.health.status == "spooling"
        assert "connection refused" in (writer.health.last_error or "")
        sink.mode = "up"
        assert writer.replay() == 5
        assert writer.health.status == "ok" and writer.health.last_error is None
    assert stored(no_merges) == (5, 5)


def test_a_batch_spooled_before_client_hints_replays_with_none(
    no_merges: Warehouse, tmp_path: Path
) -> None:
    """A batch spooled by an earlier version (its Arrow file has no `client_hints`) replays."""
    spool = Spool(tmp_path / "spool")
    down = SwitchableSink(no_merges, mode="down")
    with BatchWriter(down, retries=0, spool_dir=spool.directory) as writer:
        writer.add_many(records(3)).result(timeout=30)
    [path] = spool.pending()
    spooled = pa.BufferReader((path / "accepted.arrow").read_bytes())
    table = pa.ipc.open_file(spooled).read_all().drop_columns(["client_hints"])
    with (
        pa.OSFile(str(path / "accepted.arrow"), "wb") as sink,
        pa.ipc.new_file(sink, table.schema) as file,
    ):
        file.write_table(table)
    with BatchWriter(WarehouseSink(no_merges), spool_dir=spool.directory):
        deadline = time.monotonic() + 30
        while stored(no_merges) != (3, 3) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert stored(no_merges) == (3, 3) and len(spool) == 0
    assert no_merges.rows("SELECT DISTINCT client_hints FROM pd.api_calls") == [
        {"client_hints": ""}
    ]


def test_spool_ignores_half_written_batches(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    (tmp_path / ".tmp-0001-abc").mkdir()
    assert spool.pending() == []
    spool.clean_temporaries()
    assert not (tmp_path / ".tmp-0001-abc").exists()


def test_spool_directory_is_private_whatever_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        directory = tmp_path / "spool"
        Spool(directory)
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
        directory.chmod(0o755)  # loosened by hand: the next process closes it again
        Spool(directory)
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    finally:
        os.umask(previous)
