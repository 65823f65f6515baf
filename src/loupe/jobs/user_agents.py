"""dwh.user_agents: parse each user agent once, with ua-parser, when it is first seen.

ua-parser (the maintained Python binding of the uap-core regexes, used by many analytics
stacks) is chosen over device-detector for speed and a small footprint: Loupe needs browser, OS,
device family and a bot flag, and parses each distinct agent once. Device type rules:
crawlers (ua-parser device family `Spider`, or a bot word in the agent) are `bot`; iPad,
Android without `Mobile`, and tablet device families are `tablet`; iPhone, Android `Mobile` and
other phones are `mobile`; Windows, macOS, Linux, ChromeOS are `desktop`; anything else `other`.
"""

from __future__ import annotations

import re
from datetime import datetime

import pyarrow as pa
from ua_parser import parse

from loupe.ingest.records import now_ms
from loupe.jobs.registry import query
from loupe.warehouse import Warehouse

_BOT_WORDS = re.compile(r"bot|crawl|spider|slurp|scrapy|curl|wget|python-requests|httpclient", re.I)
_TABLET_FAMILIES = re.compile(r"ipad|tablet|kindle|silk|playbook|nexus (7|9|10)|sm-t\d", re.I)
_DESKTOP_OS = {"Windows", "Mac OS X", "macOS", "Linux", "Ubuntu", "Chrome OS", "Fedora"}
_MOBILE_OS = {"iOS", "Android", "Windows Phone", "KaiOS", "HarmonyOS"}

SCHEMA = pa.schema(
    [
        ("user_agent", pa.string()),
        ("browser", pa.string()),
        ("browser_version", pa.string()),
        ("os", pa.string()),
        ("os_version", pa.string()),
        ("device_family", pa.string()),
        ("device_type", pa.string()),
        ("is_bot", pa.uint8()),
        ("parsed_at", pa.timestamp("ms", tz="UTC")),
    ]
)

NEW_AGENTS_SQL = query("new_user_agents")


def _version(*parts: str | None) -> str:
    return ".".join(part for part in parts if part)


def classify(user_agent: str) -> dict:
    """Browser, OS, device family, device type and bot flag of one user-agent string."""
    result = parse(user_agent)
    browser, os_info, device = result.user_agent, result.os, result.device
    device_family = device.family if device else "Other"
    os_family = os_info.family if os_info else "Other"
    is_bot = device_family == "Spider" or bool(_BOT_WORDS.search(user_agent))
    if is_bot:
        device_type = "bot"
    elif _TABLET_FAMILIES.search(device_family) or (
        os_family == "Android" and "Mobile" not in user_agent
    ):
        device_type = "tablet"
    elif os_family in _MOBILE_OS:
        device_type = "mobile"
    elif os_family in _DESKTOP_OS:
        device_type = "desktop"
    else:
        device_type = "other"
    return {
        "user_agent": user_agent,
        "browser": browser.family if browser else "Other",
        "browser_version": _version(browser.major, browser.minor) if browser else "",
        "os": os_family,
        "os_version": _version(os_info.major, os_info.minor) if os_info else "",
        "device_family": device_family,
        "device_type": device_type,
        "is_bot": int(is_bot),
        "parsed_at": now_ms(),
    }


def update_user_agents(warehouse: Warehouse, start: datetime, end: datetime) -> int:
    """Parse the agents of calls in [start, end) not seen before; return how many were added."""
    new_agents = warehouse.query(NEW_AGENTS_SQL, {"start": start, "end": end})
    agents = new_agents.column("user_agent").to_pylist()
    if agents:
        rows = [classify(agent) for agent in agents]
        warehouse.insert_arrow("dwh.user_agents", pa.Table.from_pylist(rows, schema=SCHEMA))
    return len(agents)
