"""The registry of the day jobs: one `.sql` file each in `jobs/sql/`, found by name, ordered by
their headers.

A job file `NAME.sql` fills the staging table `etl.NAME` for one business day and starts with a
header line `-- job: after=OTHER[,OTHER] [stage] [per_visit] [rollup]`:
  after        jobs whose staging this one reads (they run first, in the same day build);
  stage        staging only (no `dwh` twin, nothing swapped);
  per_visit    the table has a `visit_id`: hourly runs rebuild the visits their calls can change
               and carry the rest of the day over from `dwh`;
  rollup       a summary of its `after` job's table: it is rebuilt whenever that job is, so the
               two always agree (a rollup of a rollup too).
  whole        the table holds no days (no PARTITION BY): the job stages all of it, reading the
               other days from `dwh` and the built day from staging, and the day's publish swaps
               it whole with the day's partitions (the weekly cohorts, the cart episodes and
               the price changes, which any day can change); with `stage`, a whole table that
               another job reads and nothing publishes (etl.cart_lines).
A job file is a Jinja template rendered with `incremental` (true in an hourly run) and
`insert_settings` (for its SETTINGS clause); the jobs read the day's calls from
`etl.{calls:Identifier}` (visit_calls, or touched_calls in an hourly run).
Adding a job means adding a file, and its tables in a migration (`etl.NAME`; unless it is
`stage`, also `dwh.NAME` and `etl.previous_NAME`, which publishing a day needs: publish.py);
nothing else lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from loupe import sqlfiles
from loupe.errors import LoupeError

# The day jobs' inserts write parts of up to 1 GiB (ClickHouse cuts about every million rows by
# default): a 10M-call day then has a few parts per partition instead of a dozen, and an hourly
# run's lightweight DELETE, one background task per part (warehouse/embedded.py), stays quick.
INSERT_SETTINGS = "min_insert_block_size_rows = 0, min_insert_block_size_bytes = 1073741824"
# A full build's inserts also sort and compress on two threads (the default is one): the full
# build of a 10M-call day went from 30-36 s to 28 s. Each thread writes its own parts, so an
# hourly run's small inserts keep one thread: more parts would slow its next DELETEs.
FULL_BUILD_INSERT_SETTINGS = f"{INSERT_SETTINGS}, max_insert_threads = 2"
# What a job may include (`{% include "behaviour_bots.sql" %}`): jobs/templates/.
_TEMPLATES = sqlfiles.with_templates("loupe.jobs", "templates")


@dataclass(frozen=True)
class DayJob:
    """One SQL job of the day build."""

    name: str
    sql: str
    after: tuple[str, ...] = ()
    stage: bool = False
    per_visit: bool = False
    rollup: bool = False
    whole: bool = False

    @property
    def staging_table(self) -> str:
        return f"etl.{self.name}"

    @property
    def dwh_table(self) -> str:
        return f"dwh.{self.name}"

    @property
    def previous_table(self) -> str:
        """Where publishing a day keeps the dwh partition it replaces (publish.py)."""
        return f"etl.previous_{self.name}"

    def render(self, incremental: bool) -> str:
        """The job's SQL for a full day build, or for an hourly run's affected visits."""
        return _TEMPLATES.from_string(self.sql).render(
            incremental=incremental,
            insert_settings=INSERT_SETTINGS if incremental else FULL_BUILD_INSERT_SETTINGS,
        )


def _parse_header(name: str, sql: str) -> DayJob:
    first = sql.splitlines()[0] if sql else ""
    if not first.startswith("-- job:"):
        raise LoupeError(f"jobs/sql/{name}.sql must start with a `-- job: ...` header line")
    after: tuple[str, ...] = ()
    flags = set()
    for word in first.removeprefix("-- job:").split():
        if word.startswith("after="):
            after = tuple(part for part in word.removeprefix("after=").split(",") if part)
        else:
            flags.add(word)
    unknown = flags - {"stage", "per_visit", "rollup", "whole"}
    if unknown:
        raise LoupeError(f"jobs/sql/{name}.sql: unknown header flags {sorted(unknown)}")
    return DayJob(
        name,
        sql,
        after,
        stage="stage" in flags,
        per_visit="per_visit" in flags,
        rollup="rollup" in flags,
        whole="whole" in flags,
    )


def sql_files(folder: str) -> dict[str, str]:
    """The text of each `.sql` file of a folder of the jobs package, by name, in name order."""
    return sqlfiles.load_all("loupe.jobs", folder)


@cache
def all_jobs() -> dict[str, DayJob]:
    """Every day job, by name."""
    jobs = {name: _parse_header(name, sql) for name, sql in sql_files("sql").items()}
    for job in jobs.values():
        for dependency in job.after:
            if dependency not in jobs:
                raise LoupeError(f"job {job.name} runs after unknown job {dependency}")
    return jobs


def query(name: str) -> str:
    """A statement of `jobs/queries/` (the SQL that the Python of the jobs runs)."""
    return sqlfiles.load("loupe.jobs", name, "queries")


def plan(selected: list[str] | None = None) -> list[DayJob]:
    """The selected jobs (all by default) with what they read and the rollups of what they
    build, in dependency order."""
    jobs = all_jobs()
    wanted = selected or list(jobs)
    ordered: list[DayJob] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name not in jobs:
            raise LoupeError(f"unknown job {name!r}; jobs: {', '.join(sorted(jobs))}")
        if any(job.name == name for job in ordered):
            return
        if name in visiting:
            raise LoupeError(f"job dependency cycle through {name}")
        visiting.add(name)
        for dependency in jobs[name].after:
            visit(dependency)
        ordered.append(jobs[name])

    for name in wanted:
        visit(name)
    # Rollups of what is planned, and rollups of those (price_changes sums daily_product_stats).
    planned = {job.name for job in ordered}
    added = True
    while added:
        added = False
        for job in jobs.values():
            if job.rollup and job.name not in planned and planned.issuperset(job.after):
                ordered.append(job)
                planned.add(job.name)
                added = True
    return ordered
