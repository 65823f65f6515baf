"""The embedded engine's `insert_arrow` raises whenever the rows did not land: on a full disk, in
a read-only directory, and when a batch fails after some of its parts were written; a retry
with the same deduplication token then lands every row once."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from loupe.errors import QueryError
from loupe.ingest.batch import Batch
from loupe.ingest.records import normalize, now_ms
from loupe.schema.ddl import DDL
from loupe.schema.migrate import migrate
from loupe.warehouse.embedded import EmbeddedWarehouse
from tests.helpers.calls import api_call
from tests.helpers.small_disk import SmallDisk

pytestmark = pytest.mark.slow  # a small disk mounted, or the test run again in a child pytest


@pytest.fixture
def warehouse_on_disk(small_disk: SmallDisk) -> Iterator[EmbeddedWarehouse]:
    """A migrated embedded warehouse on the small tmpfs."""
    warehouse = EmbeddedWarehouse.open(small_disk.path / "warehouse")
    try:
        migrate(warehouse, DDL())
        yield warehouse
    finally:
        warehouse.close()


def make_batch(count: int, day: int = 20, body_bytes: int = 0) -> Batch:
    """`count` records of one UTC day, each with a unique event id (and random bytes in
    `request`, which do not compress, when `body_bytes` is set)."""
    received_at = now_ms()
    records = [
        api_call(
            event_id=str(uuid.uuid4()),
            ts=f"2026-11-{day:02d}T10:15:30.123Z",
            request={"blob": os.urandom(body_bytes // 2).hex()} if body_bytes else {},
        )
        for _ in range(count)
    ]
    return Batch([normalize(record, received_at, 1 << 21) for record in records])


def insert(warehouse: EmbeddedWarehouse, batch: Batch) -> None:
    warehouse.insert_arrow(
        "pd.api_calls",
        batch.accepted_table(),
        settings={"insert_deduplication_token": batch.token},
    )


def copies(warehouse: EmbeddedWarehouse, batch: Batch) -> dict[int, int]:
    """How many of the batch's event ids are stored how many times ({copies: ids})."""
    rows = warehouse.rows(
        "SELECT n, count() AS ids FROM (SELECT event_id, count() AS n FROM pd.api_calls"
        " WHERE event_id IN {ids:Array(UUID)} GROUP BY event_id) GROUP BY n",
        {"ids": [row[0] for row in batch.rows]},
    )
    return {row["n"]: row["ids"] for row in rows}


def test_insert_on_a_full_disk_raises(
    warehouse_on_disk: EmbeddedWarehouse, small_disk: SmallDisk
) -> None:
    insert(warehouse_on_disk, make_batch(100))
    small_disk.fill()
    batch = make_batch(2_000)
    with pytest.raises(QueryError, match=r"NOT_ENOUGH_SPACE|No space left"):
        insert(warehouse_on_disk, batch)
    assert copies(warehouse_on_disk, batch) == {}
    small_disk.free()
    insert(warehouse_on_disk, batch)
    assert copies(warehouse_on_disk, batch) == {1: 2_000}
    assert warehouse_on_disk.scalar("SELECT count() FROM pd.api_calls") == 2_100


def test_insert_into_a_read_only_directory_raises(
    warehouse_on_disk: EmbeddedWarehouse, small_disk: SmallDisk
) -> None:
    insert(warehouse_on_disk, make_batch(100))
    small_disk.read_only()
    batch = make_batch(2_000)
    with pytest.raises(QueryError, match="Read-only file system"):
        insert(warehouse_on_disk, batch)
    small_disk.writable()
    insert(warehouse_on_disk, batch)
    assert copies(warehouse_on_disk, batch) == {1: 2_000}


def test_batch_failing_after_some_parts_landed_raises_and_its_retry_lands_the_rest_once(
    warehouse_on_disk: EmbeddedWarehouse, small_disk: SmallDisk
) -> None:
    # One part per UTC day: three small days, then a day of 9 MB of incompressible bodies
    # that does not fit in the 4 MB left.
    days = [make_batch(50, day=day) for day in (1, 2, 3)]
    big = make_batch(30, day=20, body_bytes=300_000)
    batch = Batch([row for part in [*days, big] for row in part.rows])
    small_disk.leave_free(4_000_000)
    with pytest.raises(QueryError, match=r"NOT_ENOUGH_SPACE|No space left"):
        insert(warehouse_on_disk, batch)
    landed = warehouse_on_disk.scalar("SELECT count() FROM pd.api_calls")
    assert 0 < landed < len(batch.rows)  # the engine failed mid-batch
    small_disk.free()
    insert(warehouse_on_disk, batch)  # the retry: the parts that landed are deduplicated
    insert(warehouse_on_disk, batch)
    assert copies(warehouse_on_disk, batch) == {1: len(batch.rows)}
