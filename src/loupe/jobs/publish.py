"""Publish a built day: its staged partitions replace the day in `dwh`, every table or none.

A swap (`ALTER TABLE dwh.<job> REPLACE PARTITION ... FROM etl.<job>`) is atomic per table and
moves hard links, not data; a `whole` job's table (the weekly cohorts) is swapped whole the same
way, with the day. A day has one swap per table, so before them the day's current
partitions are kept in `etl.previous_<job>` (hard links too), and the keys the build changes are
written to `etl.visitors` under the build's version. If that write or a swap fails, the tables
already swapped get their kept partitions back and the build's `etl.visitors` rows are deleted:
the error leaves `dwh` and `etl.visitors` as they were. The kept partitions are dropped at the end.

A crash in the middle is undone too: the publish writes its state to the journal
`etl.publishes` (`swapping` once every partition is kept, then `done` or `undone`), and the next
build (`undo_interrupted_publishes`, under the same ETL lease) finds a publish left `swapping`
and puts its day back the same way.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import date

from loupe import sqlfiles
from loupe.jobs.registry import DayJob, all_jobs, query
from loupe.warehouse import Warehouse

log = logging.getLogger("loupe.jobs")

UPDATE_VISITORS_SQL = query("update_visitors")
RECORD_PUBLISH_SQL = query("record_publish")
INTERRUPTED_PUBLISHES_SQL = query("interrupted_publishes")
UNPUBLISH_VISITORS_SQL = query("unpublish_visitors")
DROP_DAY_SQL = query("drop_day")
DROP_WHOLE_SQL = query("drop_whole")


def publish_day(
    warehouse: Warehouse,
    jobs: list[DayJob],
    params: dict,
    version: int,
    update_visitors: bool = False,
) -> None:
    """Swap the staged day of each job in `jobs` into dwh, all or none (see the module
    docstring); `version` (the build's start time) names the publish. With `update_visitors`,
    first write the keys the build changed to etl.visitors under that version (builds that
    rebuild sessions; `params` then says if it is `incremental`)."""
    publish = Publish(params["day"], version, update_visitors, jobs)
    swapped: list[DayJob] = []
    try:
        for job in jobs:
            _replace(warehouse, job, job.previous_table, job.dwh_table, publish.day)
        publish.record(warehouse, "swapping")
        if update_visitors:
            warehouse.command(UPDATE_VISITORS_SQL, {**params, "visitors_version": version})
        for job in jobs:
            _replace(warehouse, job, job.dwh_table, job.staging_table, publish.day)
            swapped.append(job)
    except Exception:
        # If the undo itself fails, the journal still says `swapping` and the kept partitions
        # stay, so the next build undoes the publish.
        dataclasses.replace(publish, jobs=swapped).put_back(warehouse)
        publish.finish(warehouse, "undone")
        raise
    publish.finish(warehouse, "done")


def undo_interrupted_publishes(warehouse: Warehouse) -> list[date]:
    """Put back the days of publishes that a crash cut short (their journal's last state is
    `swapping`): every table gets its kept partition, etl.visitors loses the publish's rows.
    Run it holding the ETL lease, before a build; returns the days put back."""
    days = []
    for publish in interrupted_publishes(warehouse):
        log.warning("undoing the publish of %s that a crash interrupted", publish.day)
        publish.put_back(warehouse)
        publish.finish(warehouse, "undone")
        days.append(publish.day)
    return days


def interrupted_publishes(warehouse: Warehouse) -> list[Publish]:
    """The publishes whose journal ends at `swapping`: a crash cut them short, and their days
    may be half old, half new until `undo_interrupted_publishes` runs."""
    known = all_jobs()
    return [
        Publish(
            row["day"],
            row["version"],
            row["wrote_visitors"],
            [known[name] for name in row["jobs"] if name in known],
        )
        for row in warehouse.rows(INTERRUPTED_PUBLISHES_SQL)
    ]


@dataclass
class Publish:
    """One publish of a day: its tables, its version, whether it wrote etl.visitors."""

    day: date
    version: int
    wrote_visitors: bool
    jobs: list[DayJob]

    def put_back(self, warehouse: Warehouse) -> None:
        """Give each table its kept partition of the day back, and delete the etl.visitors rows
        written under the publish's version."""
        for job in self.jobs:
            _replace(warehouse, job, job.dwh_table, job.previous_table, self.day)
        if self.wrote_visitors:
            warehouse.command(UNPUBLISH_VISITORS_SQL, {"day": self.day, "v": self.version})

    def record(self, warehouse: Warehouse, state: str) -> None:
        """Append the publish's `state` to its journal, etl.publishes."""
        warehouse.command(
            RECORD_PUBLISH_SQL,
            {
                "day": self.day,
                "version": self.version,
                "wrote_visitors": self.wrote_visitors,
                "jobs": [job.name for job in self.jobs],
                "state": state,
            },
        )

    def finish(self, warehouse: Warehouse, state: str) -> None:
        """Record the end state, then drop the kept partitions (only then: until the journal
        says the publish ended, the next build may need them to undo it)."""
        self.record(warehouse, state)
        for job in self.jobs:
            kept = sqlfiles.names(table=job.previous_table)
            if job.whole:
                warehouse.command(DROP_WHOLE_SQL, kept)
            else:
                warehouse.command(DROP_DAY_SQL, {**kept, "day": self.day})


def _replace(warehouse: Warehouse, job: DayJob, target: str, source: str, day: date) -> None:
    """Replace the day's partition of `target` with `source`'s, or all of it for a `whole` job
    (hard links; empty if the source is)."""
    if job.whole:
        statement = sqlfiles.render("loupe.jobs", "replace_whole_table", "queries", source=source)
        warehouse.command(statement, sqlfiles.names(table=target))
    else:
        replace_day(warehouse, target, source, {"day": day})


def replace_day(warehouse: Warehouse, target: str, source: str, params: dict) -> None:
    """Replace the partition of `target` for `params["day"]` with `source`'s (jobs/queries/
    replace_day.sql)."""
    statement = sqlfiles.render("loupe.jobs", "replace_day", "queries", source=source)
    warehouse.command(statement, {**params, **sqlfiles.names(table=target)})
