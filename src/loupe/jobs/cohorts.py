"""The weekly cohort tables, dwh.retention_weekly and dwh.repeat_purchase_weekly: recomputed whole
from dwh.sessions after each day build that rebuilt the day's visits.

A cohort spans weeks, so a day's build can change cells far from its own day (a visitor's first
visit moves when an earlier day is rebuilt; a visit on day D adds to the cells of every cohort
with members that week). Recomputing the tables from dwh.sessions each time gives the same
tables whatever order, hourly runs or re-runs the days were built by. Each is staged in its
`etl` twin and swapped in whole (REPLACE PARTITION, atomic for readers). The query reads five
narrow columns of dwh.sessions (date, user_id, session_id, orders, revenue; bots filtered), which
grows with the history kept.
"""

from __future__ import annotations

from loupe import sqlfiles
from loupe.jobs.registry import query
from loupe.warehouse import Warehouse

TABLES = ("retention_weekly", "repeat_purchase_weekly")


def refresh_cohorts(warehouse: Warehouse) -> None:
    """Recompute the weekly cohort tables from dwh.sessions and swap them into dwh."""
    for table in TABLES:
        staging = f"etl.{table}"
        warehouse.command(sqlfiles.load("loupe", "truncate_table"), sqlfiles.names(table=staging))
        warehouse.command(query(table))
        swap = sqlfiles.render("loupe.jobs", "replace_whole_table", "queries", source=staging)
        warehouse.command(swap, sqlfiles.names(table=f"dwh.{table}"))
