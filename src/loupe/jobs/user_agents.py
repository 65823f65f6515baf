"""dwh.user_agents: classify each user agent once, when it is first seen, and again on demand.

An agent is classified with the client hints its calls came with (`client_hints`: Sec-CH-UA-Mobile,
-Platform, -Model, stored as canonical JSON or empty), so each pair of agent and hints is a row.
The classification (browser, OS, device family, device type, bot flag) is
`loupe.jobs.agent_classifier`: maintained packages chosen by measurement (bench/user_agents.py).
After an upgrade of them, `reclassify_user_agents` parses every known agent again, keeps the
changed ones, and asks for the days with their calls to be rebuilt (etl.agent_rebuilds), which
the nightly run does, so that history and today agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import orjson
import pyarrow as pa

from loupe.ingest.records import now_ms
from loupe.jobs.agent_classifier import classify
from loupe.jobs.registry import query
from loupe.warehouse import Warehouse

SCHEMA = pa.schema(
    [
        ("user_agent", pa.string()),
        ("client_hints", pa.string()),
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
KNOWN_AGENTS_SQL = query("known_user_agents")
AGENT_DAYS_SQL = query("agent_days")
ADD_REBUILDS_SQL = query("add_agent_rebuilds")


def update_user_agents(warehouse: Warehouse, start: datetime, end: datetime) -> int:
    """Parse the agents (with their client hints) of calls in [start, end) not seen before; return
    how many were added."""
    new_agents = warehouse.rows(NEW_AGENTS_SQL, {"start": start, "end": end})
    _store(warehouse, [_classified(row["user_agent"], row["client_hints"]) for row in new_agents])
    return len(new_agents)


def _classified(user_agent: str, client_hints: str) -> dict:
    hints = orjson.loads(client_hints) if client_hints else None
    return {"user_agent": user_agent, "client_hints": client_hints, **classify(user_agent, hints)}


@dataclass
class Reclassified:
    """What a re-classification did: agents parsed, agents changed, days asked to rebuild."""

    agents: int
    changed: int
    days: list[date]


def reclassify_user_agents(warehouse: Warehouse, timezone: str) -> Reclassified:
    """Parse every agent of dwh.user_agents again; store the ones whose classification changed
    and ask for the business days with their calls to be rebuilt (etl.agent_rebuilds)."""
    known = warehouse.rows(KNOWN_AGENTS_SQL)
    changed = []
    for row in known:
        parsed = _classified(row["user_agent"], row["client_hints"])
        if any(parsed[name] != row[name] for name in parsed):
            changed.append(parsed)
    _store(warehouse, changed)
    agents = sorted({row["user_agent"] for row in changed})
    days = []
    if agents:
        params = {"agents": agents, "timezone": timezone}
        days = [row["day"] for row in warehouse.rows(AGENT_DAYS_SQL, params)]
    if days:
        warehouse.command(ADD_REBUILDS_SQL, {"days": [str(day) for day in days]})
    return Reclassified(len(known), len(changed), days)


def _store(warehouse: Warehouse, rows: list[dict]) -> None:
    """Insert classified agents (a later row of an agent supersedes its earlier ones)."""
    if rows:
        parsed_at = now_ms()
        table = pa.Table.from_pylist([{**row, "parsed_at": parsed_at} for row in rows], SCHEMA)
        warehouse.insert_arrow("dwh.user_agents", table)
