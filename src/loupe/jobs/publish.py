"""Publish a built day: its staged partitions replace the day in `dwh`, every table or none.

A swap (`ALTER TABLE dwh.<job> REPLACE PARTITION ... FROM etl.<job>`) is atomic per table and
moves hard links, not data. A day has one swap per table, so before them the day's current
partitions are kept in `etl.previous_<job>` (hard links too), and the keys the build changes are
written to `etl.visitors` under the build's version. If that write or a swap fails, the tables
already swapped get their kept partitions back and the build's `etl.visitors` rows are deleted:
the error leaves `dwh` and `etl.visitors` as they were. The kept partitions are dropped at the end
either way. (A crash of the process in the middle, rather than an error, is not undone; the next
build of the day rewrites all of it.)
"""

from __future__ import annotations

from datetime import date

from loupe.jobs.catalog import DayJob, query
from loupe.warehouse import Warehouse

UPDATE_VISITORS_SQL = query("update_visitors")
# ClickHouse 26 refuses REPLACE PARTITION from a partition with no parts unless told that
# replacing with nothing (dropping) is meant: a day may have no rows yet, or none any more.
EMPTY_SOURCE = "SETTINGS allow_replace_partition_from_empty_source = 1"


def publish_day(
    warehouse: Warehouse,
    jobs: list[DayJob],
    params: dict,
    visitors_version: int | None = None,
) -> None:
    """Swap the staged day of each job in `jobs` into dwh, all or none (see the module
    docstring). With `visitors_version`, first write the keys the build changed to etl.visitors
    under that version (builds that rebuild sessions; `params` then says if it is `incremental`)."""
    day = params["day"]
    swapped: list[DayJob] = []
    try:
        for job in jobs:
            _replace(warehouse, job.previous_table, job.dwh_table, day)
        if visitors_version is not None:
            warehouse.command(UPDATE_VISITORS_SQL, {**params, "visitors_version": visitors_version})
        for job in jobs:
            _replace(warehouse, job.dwh_table, job.staging_table, day)
            swapped.append(job)
    except Exception:
        for job in swapped:
            _replace(warehouse, job.dwh_table, job.previous_table, day)
        if visitors_version is not None:
            warehouse.command(
                "DELETE FROM etl.visitors WHERE date = {day:Date} AND version = {v:UInt64}",
                {"day": day, "v": visitors_version},
            )
        raise
    finally:
        for job in jobs:
            warehouse.command(
                f"ALTER TABLE {job.previous_table} DROP PARTITION {{day:Date}}", {"day": day}
            )


def _replace(warehouse: Warehouse, target: str, source: str, day: date) -> None:
    """Replace the day's partition of `target` with `source`'s (hard links; empty if it is)."""
    warehouse.command(
        f"ALTER TABLE {target} REPLACE PARTITION {{day:Date}} FROM {source} {EMPTY_SOURCE}",
        {"day": day},
    )
