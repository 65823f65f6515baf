"""`loupe etl user-agents --reclassify` (jobs/user_agents.py): every known agent parsed again,
and the days whose visits change rebuilt by the nightly run, no others."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pyarrow as pa

from loupe.jobs.run import build_days
from loupe.jobs.user_agents import SCHEMA, reclassify_user_agents
from loupe.scheduler.nightly import run_nightly
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from tests.helpers.calls import DAY, at, call, load
from tests.helpers.dwh import visits

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36"
)
BEFORE, AFTER = DAY - timedelta(days=1), DAY + timedelta(days=1)


def test_reclassify_rebuilds_the_days_of_the_changed_agents(
    warehouse: Warehouse, settings: Settings
) -> None:
    load(
        warehouse,
        [
            call(at(10, day=BEFORE), "a"),
            call(at(10), "b"),
            call(at(11), "chrome", user_agent=CHROME),
            call(at(10, day=AFTER), "c"),
        ],
    )
    # What an older classifier said of the Chrome agent: a bot.
    older = {
        "user_agent": CHROME, "browser": "Chrome", "browser_version": "130", "os": "Windows",
        "os_version": "10", "device_family": "Spider", "device_type": "bot", "is_bot": 1,
        "parsed_at": 0,
    }  # fmt: skip
    warehouse.insert_arrow("dwh.user_agents", pa.Table.from_pylist([older], SCHEMA))
    build_days(warehouse, settings, [BEFORE, DAY, AFTER])
    assert [v["bot_reason"] for v in visits(warehouse)] == ["", "user_agent"]
    untouched = visits(warehouse, BEFORE) + visits(warehouse, AFTER)

    done = reclassify_user_agents(warehouse, settings.timezone)
    assert (done.agents, done.changed, done.days) == (2, 1, [DAY])
    assert reclassify_user_agents(warehouse, settings.timezone).days == []

    now = datetime.now(timezone.utc)
    run_nightly(warehouse, settings, now, now, yesterday=BEFORE, max_days=1)
    chrome = visits(warehouse)[1]
    assert (chrome["device_type"], chrome["is_bot"], chrome["bot_reason"]) == ("desktop", 0, "")
    assert visits(warehouse, BEFORE) + visits(warehouse, AFTER) == untouched
    assert warehouse.scalar("SELECT count() FROM etl.agent_rebuilds FINAL") == 0
