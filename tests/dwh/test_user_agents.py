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


PEOPLE = {
    # Phone and TV brands whose names contain "bot", and a company in an IE agent.
    "Mozilla/5.0 (Linux; Android 10; CUBOT J9) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/88.0.4324.152 Mobile Safari/537.36": "mobile",
    "Mozilla/5.0 (Linux; Android 8.1.0; CUBOT A5) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/74.0.3729.157 Mobile Safari/537.36": "mobile",
    "Mozilla/5.0 (Linux; Andr0id 9; ATV R2) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/77.0.3865.120 Safari/537.36 OPR/46.0.2207.0 OMI/4.20.5.31.Oak.45 HbbTV/1.5.1 "
    "(+DRM;BOTECH;ATV R2;Demo 1.0;Demonstration only;TVs;) FVC/5.0 (BOTECH;TVs;)": "other",
    # An Android tablet whose agent says "Mobile", and a phone's in-app webview.
    "Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36": "tablet",
    "Mozilla/5.0 (Linux; Android 12; SM-A525F Build/SP1A.210812.016; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/119.0.6045.163 Mobile Safari/537.36 "
    "Instagram 309.0.0.40.113 Android": "mobile",
    IPHONE: "mobile",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36": "desktop",
}
BOTS = [
    GOOGLEBOT,
    "Mozilla/5.0 (compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
    "Datadog Agent/7.50.0",
    "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/109.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Perplexity-User/1.0; "
    "+https://perplexity.ai/perplexity-user)",
    "python-requests/2.31.0",
    "",
]


def test_people_and_their_devices(warehouse: Warehouse, settings: Settings) -> None:
    """Brands containing "bot" are people; tablets, webviews and desktops get their type."""
    load(warehouse, [call(at(9), session=f"s{n}", user_agent=a) for n, a in enumerate(PEOPLE)])
    build_day(warehouse, settings, DAY)
    found = {row["user_agent"]: row for row in warehouse.rows(AGENTS_SQL)}
    assert {agent: (found[agent]["device_type"], found[agent]["is_bot"]) for agent in PEOPLE} == {
        agent: (kind, 0) for agent, kind in PEOPLE.items()
    }


def test_crawlers_monitors_and_tools_are_bots(warehouse: Warehouse, settings: Settings) -> None:
    """Search crawlers, site monitors, performance tools, AI agents, HTTP libraries."""
    load(warehouse, [call(at(9), session=f"b{n}", user_agent=a) for n, a in enumerate(BOTS)])
    build_day(warehouse, settings, DAY)
    found = {row["user_agent"]: row for row in warehouse.rows(AGENTS_SQL)}
    assert {agent: (found[agent]["device_type"], found[agent]["is_bot"]) for agent in BOTS} == {
        agent: ("bot", 1) for agent in BOTS
    }
