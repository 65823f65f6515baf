"""Snapshot runs: compare the production tables with their open versions, append what changed.

Per entity: copy the source once into `etl.snapshot_<entity>` (every row on a full run; on an
incremental run only the rows changed since the newest one in history), compute the new versions
into `etl.snapshot_<entity>_changes` (new, changed, re-inserted keys, and on a full run deleted
ones; nothing for unchanged rows), then attach them to `history.<entity>_versions` in one step.
History is written only by the attach, so a source failing mid-run leaves it untouched. Each
entity's run is recorded in `etl.job_runs` as `snapshot:<entity>` (a full run's watermark is its
snapshot time: up to it, history is complete, deletions included). The staged rows of persons on
the erasure list are dropped before anything is compared (history/erased.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from loupe import sqlfiles
from loupe.errors import LoupeError
from loupe.history.entities import Entity, check_source, entity_names, load_config, resolve
from loupe.history.erased import drop_erased
from loupe.ingest.erased import ErasedKeys
from loupe.job_runs import record_run
from loupe.schema.ddl import DDL
from loupe.warehouse import Warehouse


def sql(name: str, **values: object) -> str:
    """A statement of `history/sql/`, rendered with `values` when it is a template."""
    return sqlfiles.render("loupe.history", name, **values)


@dataclass
class SnapshotResult:
    """One entity's snapshot: rows staged from the source and version rows written."""

    entity: str
    snapshot_id: int
    staged: int
    written: int
    incremental: bool
    seconds: float


def next_snapshot_id(warehouse: Warehouse, as_of: datetime | None = None) -> int:
    """The run's id: now (or `as_of`) in epoch milliseconds, above every id already in history.

    An `as_of` instant (a simulated or backfilled run's) must not be later than now nor at or
    before a snapshot already in history: `LoupeError` otherwise, before anything is read.
    """
    newest = 0
    for name in load_config():
        versions = sqlfiles.names(table=f"history.{name}_versions")
        newest = max(newest, warehouse.scalar(sql("max_snapshot_id"), versions) or 0)
    now_ms = int(time.time() * 1000)
    if as_of is None:
        return max(now_ms, newest + 1)
    at_ms = int(as_of.timestamp() * 1000)
    if at_ms > now_ms:
        raise LoupeError(f"snapshot as of {as_of.isoformat()}: that is later than now")
    if at_ms <= newest:
        newest_at = datetime.fromtimestamp(newest / 1000, timezone.utc).isoformat()
        raise LoupeError(
            f"snapshot as of {as_of.isoformat()}: history already holds a snapshot as of "
            f"{newest_at}, and versions are only appended after it"
        )
    return at_ms


def _since(warehouse: Warehouse, entity: Entity) -> str | None:
    """Where an incremental read starts: newest `changed_since` in history minus the lag."""
    newest = warehouse.scalar(
        sql("newest_changed"),
        {"column": entity.changed_since, **sqlfiles.names(table=entity.versions_table)},
    )
    if newest is None:
        return None
    since = newest - timedelta(seconds=entity.lag_seconds)
    # The production database's own text form (SQLite keeps DATETIME(3) as text).
    return since.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def last_full_run(warehouse: Warehouse, entity: Entity) -> datetime | None:
    """When the entity's last full run (every row compared, deletions found) took its snapshot."""
    return warehouse.scalar(sql("last_full_run"), {"job": entity.job})


def _wants_full(warehouse: Warehouse, entity: Entity, now: datetime) -> bool:
    if not entity.changed_since:
        return True
    last = last_full_run(warehouse, entity)
    return last is None or now - last >= timedelta(hours=entity.full_every_hours)


def _truncate(warehouse: Warehouse, entity: Entity) -> None:
    for table in (entity.staging_table, entity.changes_table):
        warehouse.command(sqlfiles.load("loupe", "truncate_table"), sqlfiles.names(table=table))


def snapshot_entity(
    warehouse: Warehouse,
    entity: Entity,
    snapshot_id: int,
    full: bool = False,
    ddl: DDL = DDL(),
    erased: ErasedKeys | None = None,
) -> SnapshotResult:
    """Snapshot one entity: stage the source, compute the new versions, attach them at once.

    A full run stages every source row and also writes deletions; an incremental run (entities
    with `changed_since`, when a full run is recent) stages only the changed rows.
    """
    clock = time.perf_counter()
    valid_from = datetime.fromtimestamp(snapshot_id / 1000, timezone.utc)
    check_source(warehouse, entity)
    _truncate(warehouse, entity)
    since = (
        None if full or _wants_full(warehouse, entity, valid_from) else _since(warehouse, entity)
    )
    full = since is None
    params = {"since": since or "", "snapshot_id": snapshot_id, "valid_from": valid_from}
    try:
        warehouse.command(sql("stage_rows", entity=entity, full=full), params)
    except LoupeError as exc:
        raise LoupeError(
            f"snapshot of {entity.name}: reading {entity.source} from the production database "
            f"failed, history unchanged: {exc}"
        ) from exc
    if erased:
        drop_erased(warehouse, entity.staging_table, entity.columns, erased)
    changes = sql("changes", entity=entity, key=", ".join(entity.key), full=full)
    warehouse.command(changes, params)
    count = sqlfiles.load("loupe", "count_rows")
    staged = warehouse.scalar(count, sqlfiles.names(table=entity.staging_table))
    written = warehouse.scalar(count, sqlfiles.names(table=entity.changes_table))
    if written:
        # All of a run's rows share valid_from, hence one month partition: attached atomically.
        warehouse.command(
            sql("attach_versions", source=entity.changes_table),
            {
                "month": valid_from.year * 100 + valid_from.month,
                **sqlfiles.names(table=ddl.table(entity.versions_table)),
            },
        )
    _truncate(warehouse, entity)
    seconds = time.perf_counter() - clock
    return SnapshotResult(entity.name, snapshot_id, staged, written, not full, seconds)


def run_snapshot(
    warehouse: Warehouse,
    entities: list[str] | None = None,
    full: bool = False,
    ddl: DDL = DDL(),
    key: bytes | None = None,
    as_of: datetime | None = None,
) -> list[SnapshotResult]:
    """Snapshot the given (default: every configured) entity under one snapshot id.

    Entities run in order; the first failure is recorded and raised, and the entities done before
    it keep their new versions. `key` is the hash key, which reads the erasure list (needed once
    it is not empty). `as_of` (UTC) dates the versions at that instant instead of now, for
    simulated and backfilled runs: see `next_snapshot_id` for what it may be.
    """
    names = entity_names(entities)
    erased = ErasedKeys.load(warehouse, key)
    snapshot_id = next_snapshot_id(warehouse, as_of)
    results = []
    for name in names:
        started = datetime.now(timezone.utc)
        job = f"snapshot:{name}"
        try:
            entity = resolve(warehouse, name)
            result = snapshot_entity(warehouse, entity, snapshot_id, full, ddl, erased)
        except LoupeError as exc:
            record_run(warehouse, job, started.date(), started.date(), started, 0, str(exc)[:2000])
            raise
        # A full run's watermark is its snapshot time: history is complete up to it.
        complete = (
            None if result.incremental else datetime.fromtimestamp(snapshot_id / 1000, timezone.utc)
        )
        record_run(
            warehouse,
            job,
            started.date(),
            started.date(),
            started,
            result.written,
            watermark=complete,
        )
        results.append(result)
    return results
