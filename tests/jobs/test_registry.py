"""The job registry (jobs/registry.py): the day jobs' plan, dependencies first, and rollups with
the tables they sum."""

from __future__ import annotations

import pytest

from loupe.errors import LoupeError
from loupe.jobs.registry import all_jobs, plan
from loupe.warehouse import Warehouse


def names(selected: list[str] | None) -> list[str]:
    return [job.name for job in plan(selected)]


def test_a_job_brings_what_it_reads_and_its_rollup() -> None:
    assert names(["sessions"]) == [
        "visit_calls",
        "sessions",
        "daily_channels",
        "daily_funnel",
        "daily_item_demand",
        "daily_promos",
        "repeat_purchase_weekly",
        "retention_weekly",
    ]
    assert names(["product_sessions"]) == [
        "visit_calls",
        "sessions",
        "product_sessions",
        "daily_channels",
        "daily_funnel",
        "daily_item_demand",
        "daily_product_stats",
        "daily_promos",
        "price_changes",  # a rollup of the rollup daily_product_stats
        "repeat_purchase_weekly",
        "retention_weekly",
    ]


def test_every_job_runs_after_what_it_reads() -> None:
    order = names(None)
    assert sorted(order) == sorted(all_jobs())
    for job in plan(None):
        assert all(order.index(dependency) < order.index(job.name) for dependency in job.after)


def test_an_unknown_job_is_a_clear_error() -> None:
    with pytest.raises(LoupeError, match="unknown job 'visits'"):
        plan(["visits"])


def test_every_job_has_its_tables(warehouse: Warehouse) -> None:
    """What registry.py's docstring asks of a new job's migration, for every job."""
    tables = set(warehouse.scalar("SELECT groupArray(database || '.' || name) FROM system.tables"))
    for job in all_jobs().values():
        expected = {job.staging_table}
        if not job.stage:
            expected |= {job.dwh_table, job.previous_table}
        assert expected <= tables, job.name
