"""Snapshot runs: compare the production tables with their open versions, append what changed.

Per entity: copy the source once into `etl.snapshot_<entity>` (all rows, or only those changed
since the newest one in history plus every key), compute the new versions into
`etl.snapshot_<entity>_changes` (new, changed, deleted, re-inserted keys; nothing for unchanged
rows), then attach that partition to `history.<entity>_versions` in one step. History is written
only by the attach, so a source failing mid-run leaves it untouched. Each entity's run is
recorded in `etl.job_runs` as `snapshot:<entity>`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache
from importlib import resources

import jinja2

from loupe.errors import LoupeError
from loupe.history.entities import Entity, check_source, entity_names, load_config, resolve
from loupe.jobs.run import record_run
from loupe.schema.ddl import DDL
from loupe.warehouse import Warehouse

_jinja = jinja2.Environment(undefined=jinja2.StrictUndefined)


@cache
def sql_template(name: str) -> jinja2.Template:
    """A packaged SQL file of `loupe.history` (`sql/NAME.sql`) as a Jinja template."""
    text = (resources.files("loupe.history") / "sql" / f"{name}.sql").read_text()
    return _jinja.from_string(text)


@dataclass
class SnapshotResult:
    """One entity's snapshot: rows staged from the source and version rows written."""

    entity: str
    snapshot_id: int
    staged: int
    written: int
    incremental: bool
    seconds: float


def next_snapshot_id(warehouse: Warehouse) -> int:
    """The run's id: now in epoch milliseconds, above every id already in history."""
    newest = 0
    for name in load_config():
        table = f"history.{name}_versions"
        newest = max(newest, warehouse.scalar(f"SELECT max(snapshot_id) FROM {table}") or 0)
    return max(int(time.time() * 1000), newest + 1)


def _since(warehouse: Warehouse, entity: Entity) -> str | None:
    """Where an incremental read starts: newest `changed_since` in history minus the lag."""
    if not entity.changed_since:
        return None
    newest = warehouse.scalar(
        f"SELECT max({entity.changed_since}) FROM {entity.versions_table} HAVING count() > 0"
    )
    if newest is None:
        return None
    since = newest - timedelta(seconds=entity.lag_seconds)
    # The production database's own text form (SQLite keeps DATETIME(3) as text).
    return since.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def _truncate(warehouse: Warehouse, entity: Entity) -> None:
    for table in (entity.staging_table, entity.keys_table, entity.changes_table):
        warehouse.command(f"TRUNCATE TABLE {table}")


def _read_source(
    warehouse: Warehouse, entity: Entity, sql: str, params: dict | None = None
) -> None:
    try:
        warehouse.command(sql, params)
    except LoupeError as exc:
        raise LoupeError(
            f"snapshot of {entity.name}: reading {entity.source} from the production database "
            f"failed, history unchanged: {exc}"
        ) from exc


def snapshot_entity(
    warehouse: Warehouse, entity: Entity, snapshot_id: int, full: bool = False, ddl: DDL = DDL()
) -> SnapshotResult:
    """Snapshot one entity: stage the source, compute the new versions, attach them at once."""
    clock = time.perf_counter()
    check_source(warehouse, entity)
    _truncate(warehouse, entity)
    since = None if full else _since(warehouse, entity)
    valid_from = datetime.fromtimestamp(snapshot_id / 1000, timezone.utc)
    params = {"since": since or "", "snapshot_id": snapshot_id, "valid_from": valid_from}
    incremental = since is not None
    stage_rows = sql_template("stage_rows")
    key = ", ".join(entity.key)
    _read_source(
        warehouse, entity, stage_rows.render(entity=entity, incremental=incremental), params
    )
    if incremental:
        _read_source(warehouse, entity, sql_template("stage_keys").render(entity=entity))
        unseen = sql_template("unseen_keys").render(entity=entity, key=key)
        if warehouse.scalar(unseen):
            # Keys the changed rows missed (an insert with an old timestamp): read every row.
            warehouse.command(f"TRUNCATE TABLE {entity.staging_table}")
            _read_source(warehouse, entity, stage_rows.render(entity=entity, incremental=False))
            incremental = False
    keys_from = entity.keys_table if incremental else entity.staging_table
    changes = sql_template("changes").render(entity=entity, key=key, keys_from=keys_from)
    warehouse.command(changes, params)
    staged = warehouse.scalar(f"SELECT count() FROM {entity.staging_table}")
    written = warehouse.scalar(f"SELECT count() FROM {entity.changes_table}")
    if written:
        # All of a run's rows share valid_from, hence one month partition: attached atomically.
        warehouse.command(
            f"ALTER TABLE {ddl.table(entity.versions_table)} ATTACH PARTITION {{month:UInt32}} "
            f"FROM {entity.changes_table}",
            {"month": valid_from.year * 100 + valid_from.month},
        )
    _truncate(warehouse, entity)
    return SnapshotResult(
        entity.name, snapshot_id, staged, written, incremental, time.perf_counter() - clock
    )


def run_snapshot(
    warehouse: Warehouse,
    entities: list[str] | None = None,
    full: bool = False,
    ddl: DDL = DDL(),
) -> list[SnapshotResult]:
    """Snapshot the given (default: every configured) entity under one snapshot id.

    Entities run in order; the first failure is recorded and raised, and the entities done before
    it keep their new versions.
    """
    names = entity_names(entities)
    snapshot_id = next_snapshot_id(warehouse)
    results = []
    for name in names:
        started = datetime.now(timezone.utc)
        job = f"snapshot:{name}"
        try:
            result = snapshot_entity(warehouse, resolve(warehouse, name), snapshot_id, full, ddl)
        except LoupeError as exc:
            record_run(warehouse, job, started.date(), started.date(), started, 0, str(exc)[:2000])
            raise
        record_run(warehouse, job, started.date(), started.date(), started, result.written)
        results.append(result)
    return results
