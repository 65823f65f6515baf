"""dwh.user_agents: one row per distinct user agent, parsed once when it is first seen
(jobs/user_agents.py, docs/etl.md)."""

from __future__ import annotations

from pathlib import Path

import orjson
from click.testing import Result
from typer.testing import CliRunner

from loupe.cli import app
from loupe.jobs.run import build_day
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from tests.helpers.calls import DAY, GOOGLEBOT, IPHONE, at, call, load


def run(*args: str) -> Result:
    """A `loupe` command through Typer's runner, which must succeed."""
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


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


PEOPLE_DESKTOP = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
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
    PEOPLE_DESKTOP: "desktop",
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


# Chrome's reduced agent: "K" for the model, "Mobile" on phones and on some tablets alike.
REDUCED = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36"
)
TABLET_HINTS = {"mobile": "?0", "platform": '"Android"', "model": '"SM-X200"'}
HINTED_VISITS = {
    "tablet": [call(at(9), session="tablet", user_agent=REDUCED, client_hints=TABLET_HINTS)],
    # A phone asking for the desktop site (`?0`): only its model, which arrives once the shop's
    # Accept-CH was seen, tells it from a tablet; the visit takes the hints with the model.
    "desktop-site": [
        call(
            at(9),
            session="desktop-site",
            user_agent=REDUCED,
            client_hints=TABLET_HINTS | {"model": None},
        ),
        call(
            at(9, 1),
            session="desktop-site",
            user_agent=REDUCED,
            client_hints=TABLET_HINTS | {"model": "Pixel 7"},
        ),
    ],
    "phone": [
        call(
            at(9),
            session="phone",
            user_agent=REDUCED,
            client_hints={"mobile": "?1", "platform": "Android"},
        )
    ],
    "no-hints": [call(at(9), session="no-hints", user_agent=REDUCED)],
    "desktop": [
        call(
            at(9),
            session="desktop",
            user_agent=PEOPLE_DESKTOP,
            client_hints={"mobile": "?0", "platform": '"Windows"', "model": '""'},
        )
    ],
}
VISIT_TYPES = {
    "tablet": "tablet",
    "desktop-site": "mobile",
    "phone": "mobile",
    "no-hints": "mobile",
    "desktop": "desktop",
}
SESSION_TYPES_SQL = "SELECT session_id, device_type FROM dwh.sessions ORDER BY session_id"


def test_client_hints_decide_the_device_type(warehouse: Warehouse, settings: Settings) -> None:
    """The same agent is a tablet by its hints and a phone without them; each pair of agent and
    hints is classified once."""
    load(warehouse, [record for visit in HINTED_VISITS.values() for record in visit])
    build_day(warehouse, settings, DAY)
    assert {r["session_id"]: r["device_type"] for r in warehouse.rows(SESSION_TYPES_SQL)} == (
        VISIT_TYPES
    )
    pairs = warehouse.rows(
        "SELECT client_hints, device_type FROM dwh.user_agents FINAL "
        "WHERE user_agent = {ua:String} ORDER BY client_hints",
        {"ua": REDUCED},
    )
    assert [(r["client_hints"], r["device_type"]) for r in pairs] == [
        ("", "mobile"),
        ('{"mobile":"?0","model":"Pixel 7","platform":"Android"}', "mobile"),
        ('{"mobile":"?0","model":"SM-X200","platform":"Android"}', "tablet"),
        ('{"mobile":"?0","platform":"Android"}', "tablet"),
        ('{"mobile":"?1","platform":"Android"}', "mobile"),
    ]


def test_client_hints_through_loupe_ingest(loupe_env: Path) -> None:
    """Records with client hints from a file, by `loupe ingest`, then a day build."""
    run("init")
    lines = [orjson.dumps(record) for visit in HINTED_VISITS.values() for record in visit]
    (loupe_env / "calls.ndjson").write_bytes(b"\n".join(lines))
    assert "0 rejected" in run("ingest", "calls.ndjson").output
    run("etl", "run", "--date", DAY.isoformat())
    shown = run("sql", SESSION_TYPES_SQL, "--format", "TSV").stdout
    assert dict(line.split("\t") for line in shown.strip().splitlines()) == VISIT_TYPES
