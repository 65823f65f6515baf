"""Publishing a day (jobs/publish.py): all tables or none, after an error or a crash."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from loupe.errors import QueryError
from loupe.jobs.hourly import run_hourly
from loupe.jobs.publish import undo_interrupted_publishes
from loupe.jobs.run import build_day
from loupe.settings import Settings
from loupe.sqlfiles import shown
from loupe.warehouse import Warehouse, open_warehouse
from tests.helpers.calls import DAY, at, call, load
from tests.helpers.dwh import checksums, visits

pytestmark = pytest.mark.slow  # builds crashed in processes of their own, or failed and rebuilt

# The visits of DAY once every call that `day_built` loads is published.
VISITS_AFTER = [("s1", 2), ("s2", 1), ("new", 1)]


def day_built(warehouse: Warehouse, settings: Settings) -> dict:
    """Build DAY (full, then hourly), then let more calls arrive; return the state before they
    are published: checksums of dwh, the rows of etl.visitors."""
    load(warehouse, [call(at(10)), call(at(11), session="s2", user_id=5)])
    build_day(warehouse, settings, DAY)
    run_hourly(warehouse, settings)
    before = published_state(warehouse)
    load(warehouse, [call(at(10, 5)), call(at(12), session="new", user_id=6)])
    return before


def published_state(warehouse: Warehouse) -> dict:
    return {
        "dwh": checksums(warehouse),
        "visitors": warehouse.rows("SELECT * FROM etl.visitors ORDER BY ALL"),
    }


def kept_rows(warehouse: Warehouse) -> dict[str, int]:
    """Rows left in each etl.previous_* table (publishes empty them when they end)."""
    tables = warehouse.scalar(
        "SELECT groupArray(name) FROM system.tables WHERE database = 'etl' "
        "AND name LIKE 'previous_%'"
    )
    return {table: warehouse.scalar(f"SELECT count() FROM etl.{table}") for table in tables}


def build(warehouse: Warehouse, settings: Settings, hourly: bool) -> None:
    run_hourly(warehouse, settings) if hourly else build_day(warehouse, settings, DAY)


@pytest.mark.parametrize("hourly", [False, True])
def test_a_failed_swap_puts_every_table_back(
    warehouse: Warehouse, settings: Settings, monkeypatch: pytest.MonkeyPatch, hourly: bool
) -> None:
    """The last swap of a day fails (as a full disk would make it): the tables swapped before it
    get their day back, and etl.visitors loses the keys the build wrote."""
    before = day_built(warehouse, settings)
    command = warehouse.command

    def failing_last_swap(sql: str, params: dict | None = None) -> None:
        if shown(sql, params).startswith("ALTER TABLE dwh.daily_search_stats REPLACE PARTITION"):
            raise QueryError("injected: no space left on device")
        command(sql, params)

    monkeypatch.setattr(warehouse, "command", failing_last_swap)
    with pytest.raises(QueryError, match="injected"):
        build(warehouse, settings, hourly)
    monkeypatch.undo()
    assert published_state(warehouse) == before
    assert set(kept_rows(warehouse).values()) == {0}
    failed = warehouse.rows("SELECT job FROM etl.job_runs WHERE status = 'failed'")
    assert [row["job"] for row in failed] == ["publish"]
    assert undo_interrupted_publishes(warehouse) == []
    # The next build publishes the day whole.
    build(warehouse, settings, hourly)
    assert [(v["session_id"], v["calls"]) for v in visits(warehouse)] == VISITS_AFTER


# Runs a build in a process that dies (os._exit: no cleanup, as under SIGKILL or a power cut)
# just before the first statement that starts with argv[1], as written or as logged (with the
# journal state argv[2], if given); argv[3] is `hourly` or `full`, argv[4] the day a full build
# builds.
CRASHING_BUILD = textwrap.dedent(
    """
    import os, sys
    from datetime import date
    from loupe.jobs.hourly import run_hourly
    from loupe.jobs.run import build_day
    from loupe.settings import load_settings
    from loupe.sqlfiles import shown
    from loupe.warehouse import open_warehouse

    crash_at, state, mode, day = sys.argv[1:5]
    settings = load_settings()
    with open_warehouse(settings) as warehouse:
        command = warehouse.command

        def command_or_crash(sql, params=None):
            starts = sql.startswith(crash_at) or shown(sql, params).startswith(crash_at)
            if starts and (params or {}).get("state", "") == state:
                os._exit(9)
            command(sql, params)

        warehouse.command = command_or_crash
        if mode == "hourly":
            run_hourly(warehouse, settings)
        else:
            build_day(warehouse, settings, date.fromisoformat(day))
    """
)


def crash_a_build(crash_at: str, state: str = "", hourly: bool = False) -> None:
    """Run CRASHING_BUILD; the warehouse must be closed in this process."""
    crashed = subprocess.run(
        [
            sys.executable,
            "-c",
            CRASHING_BUILD,
            *(crash_at, state, "hourly" if hourly else "full", DAY.isoformat()),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert crashed.returncode == 9, crashed.stderr


@pytest.mark.parametrize(
    ("crash_at", "state", "hourly", "undone"),
    [
        # Sessions and catalog sessions swapped, etl.visitors written, four tables to go.
        ("ALTER TABLE dwh.product_sessions REPLACE PARTITION", "", False, True),
        ("ALTER TABLE dwh.product_sessions REPLACE PARTITION", "", True, True),
        # Every table swapped, the end not yet recorded: undone too (the day as it was).
        ("-- One state of a day's publish", "done", False, True),
        # Recorded as done, the kept partitions not yet dropped: the publish stands.
        ("ALTER TABLE etl.previous_sessions DROP PARTITION", "", False, False),
    ],
    ids=["mid-swaps", "mid-swaps-hourly", "before-done", "after-done"],
)
def test_a_publish_cut_short_by_a_crash_is_undone_by_the_next_build(
    warehouse: Warehouse, settings: Settings, crash_at: str, state: str, hourly: bool, undone: bool
) -> None:
    before = day_built(warehouse, settings)
    warehouse.close()  # the crashing build opens it in its own process
    crash_a_build(crash_at, state, hourly)
    with open_warehouse(settings) as warehouse:
        left = published_state(warehouse)
        if undone:
            assert left != before  # the crash left the day half published
            assert undo_interrupted_publishes(warehouse) == [DAY]
            assert published_state(warehouse) == before
        else:
            assert undo_interrupted_publishes(warehouse) == []
            assert published_state(warehouse) == left
            assert [(v["session_id"], v["calls"]) for v in visits(warehouse)] == VISITS_AFTER
        assert undo_interrupted_publishes(warehouse) == []
        build(warehouse, settings, hourly)
        assert [(v["session_id"], v["calls"]) for v in visits(warehouse)] == VISITS_AFTER
        assert set(kept_rows(warehouse).values()) == {0}


def test_an_undo_cut_short_by_a_crash_is_finished_by_the_next_build(
    warehouse: Warehouse, settings: Settings
) -> None:
    before = day_built(warehouse, settings)
    warehouse.close()
    crash_a_build("ALTER TABLE dwh.product_sessions REPLACE PARTITION")
    # The next build starts by undoing that publish, and dies in the middle of the undo: its
    # tables are put back, the publish's etl.visitors rows not yet deleted.
    crash_a_build("DELETE FROM etl.visitors")
    with open_warehouse(settings) as warehouse:
        left = published_state(warehouse)
        assert left["dwh"] == before["dwh"] and left["visitors"] != before["visitors"]
        assert undo_interrupted_publishes(warehouse) == [DAY]
        assert published_state(warehouse) == before
        assert set(kept_rows(warehouse).values()) == {0}
