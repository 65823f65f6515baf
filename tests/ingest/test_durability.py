"""A collector process whose warehouse disk fills up, turns read-only, or fails mid-batch while
a client posts: every record answered with 200 is stored exactly once once the disk is back (and
the spool replayed); a post that could not be made durable gets 503 (or 429), never 200."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import httpx
import pytest

from loupe.schema.ddl import DDL
from loupe.schema.migrate import migrate
from loupe.warehouse.embedded import EmbeddedWarehouse
from tests.helpers.calls import api_call
from tests.helpers.collector_process import (
    HEADERS,
    Answer,
    Poster,
    ndjson,
    running_collector,
    wait_for_health,
)
from tests.helpers.small_disk import SmallDisk

pytestmark = pytest.mark.slow


def migrated(data_dir: Path) -> None:
    with EmbeddedWarehouse.open(data_dir) as warehouse:
        migrate(warehouse, DDL())


def copies(data_dir: Path, ids: list[str]) -> tuple[dict[int, int], int, int]:
    """({copies: how many of `ids` are stored that many times}, rows, distinct event ids)."""
    with EmbeddedWarehouse.open(data_dir) as warehouse:
        rows = warehouse.rows(
            "SELECT n, count() AS ids FROM (SELECT event_id, count() AS n FROM pd.api_calls"
            " WHERE event_id IN {ids:Array(UUID)} GROUP BY event_id) GROUP BY n",
            {"ids": ids},
        )
        total = warehouse.rows("SELECT count() AS n, uniqExact(event_id) AS ids FROM pd.api_calls")
    return {row["n"]: row["ids"] for row in rows}, total[0]["n"], total[0]["ids"]


def refused(answer: Answer) -> bool:
    return answer.status in (503, 429)


def spooled(answer: Answer) -> bool:
    return answer.spooled


@pytest.mark.parametrize("outage", ["full", "read-only"])
@pytest.mark.parametrize("spool_on_disk", [True, False], ids=["spool-on-disk", "spool-elsewhere"])
def test_outage_while_posting_loses_no_acknowledged_record(
    small_disk: SmallDisk, tmp_path: Path, outage: str, spool_on_disk: bool
) -> None:
    data_dir = small_disk.path / "warehouse"
    spool_dir = (small_disk.path if spool_on_disk else tmp_path) / "spool"
    migrated(data_dir)
    met_outage = refused if spool_on_disk else spooled
    with running_collector(data_dir, spool_dir, tmp_path / "collector.log") as url:
        with Poster(url) as poster:
            assert poster.wait_for(lambda answer: answer.status == 200, 3)
            small_disk.fill() if outage == "full" else small_disk.read_only()
            outage_seen = poster.wait_for(met_outage, 3, timeout=15)
            expected = "failing" if spool_on_disk else "spooling"
            health = wait_for_health(url, lambda health: health["status"] == expected, 5)
            small_disk.free() if outage == "full" else small_disk.writable()
            assert poster.wait_for(lambda answer: answer.status == 200 and not answer.spooled, 3)
        assert wait_for_health(url, lambda health: health["spool_batches"] == 0)["status"] == "ok"
    statuses = {answer.status for answer in poster.answers}
    assert statuses <= {200, 429, 503}, statuses
    acknowledged = poster.acknowledged_ids()
    by_copies, rows, distinct = copies(data_dir, acknowledged)
    assert by_copies == {1: len(acknowledged)}  # each acknowledged record stored exactly once
    assert rows == distinct  # and no record twice, acknowledged or not
    # The outage was met: posts were refused (spool on the same disk) or spooled, and the
    # health said so (503 when nothing can be made durable).
    assert outage_seen
    assert health["status"] == expected and health["last_error"]
    assert health["http_status"] == (503 if spool_on_disk else 200)


def test_refused_post_that_partly_landed_is_stored_once_when_retried(
    small_disk: SmallDisk, tmp_path: Path
) -> None:
    # One part per UTC day: three small days, then 9 MB of incompressible bodies on another
    # day, with 4 MB free: the engine writes the small parts, then fails on the big one.
    records = [
        api_call(event_id=str(uuid.uuid4()), ts=f"2026-11-0{day}T10:00:00Z")
        for day in (1, 2, 3)
        for _ in range(50)
    ] + [
        api_call(event_id=str(uuid.uuid4()), request={"blob": os.urandom(75_000).hex()})
        for _ in range(60)
    ]
    body = ndjson(records)
    data_dir = small_disk.path / "warehouse"
    migrated(data_dir)
    with running_collector(data_dir, small_disk.path / "spool", tmp_path / "log") as url:
        small_disk.leave_free(4_000_000)
        refused_post = httpx.post(f"{url}/v1/api-calls", content=body, headers=HEADERS, timeout=60)
        assert refused_post.status_code == 503, refused_post.text
        small_disk.free()
        retried = httpx.post(f"{url}/v1/api-calls", content=body, headers=HEADERS, timeout=60)
        assert retried.json() == {"accepted": 210, "rejected": 0, "spooled": False}
    by_copies, rows, _ = copies(data_dir, [record["event_id"] for record in records])
    assert by_copies == {1: 210} and rows == 210
