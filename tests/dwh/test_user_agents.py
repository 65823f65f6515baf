"""dwh.user_agents: one row per distinct user agent, parsed once when it is first seen
(jobs/user_agents.py, docs/etl.md)."""

from __future__ import annotations

from loupe.jobs.run import build_day
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from tests.helpers.calls import DAY, GOOGLEBOT, IPHONE, at, call, load

AGENTS_SQL = (
    "SELECT user_agent, os, device_type, is_bot, parsed_at FROM dwh.user_agents FINAL "
    "ORDER BY user_agent"
)


def test_each_user_agent_is_parsed_once(warehouse: Warehouse, settings: Settings) -> None:
    load(warehouse, [call(at(9)), call(at(10)), call(at(11), session="bot", user_agent=GOOGLEBOT)])
    build_day(warehouse, settings, DAY)
    agents = warehouse.rows(AGENTS_SQL)
    assert [(row["user_agent"], row["device_type"], row["is_bot"]) for row in agents] == [
        (GOOGLEBOT, "bot", 1),
        (IPHONE, "mobile", 0),
    ]
    assert agents[1]["os"] == "iOS"
    build_day(warehouse, settings, DAY)
    assert warehouse.rows(AGENTS_SQL) == agents
