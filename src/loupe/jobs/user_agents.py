"""dwh.user_agents: classify each user agent once, when it is first seen.

The classification (browser, OS, device family, device type, bot flag) is
`loupe.jobs.agent_classifier`: maintained packages chosen by measurement (bench/user_agents.py).
"""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa

from loupe.ingest.records import now_ms
from loupe.jobs.agent_classifier import classify
from loupe.jobs.registry import query
from loupe.warehouse import Warehouse

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


def update_user_agents(warehouse: Warehouse, start: datetime, end: datetime) -> int:
    """Parse the agents of calls in [start, end) not seen before; return how many were added."""
    new_agents = warehouse.query(NEW_AGENTS_SQL, {"start": start, "end": end})
    agents = new_agents.column("user_agent").to_pylist()
    if agents:
        parsed_at = now_ms()
        rows = [
            {"user_agent": agent, **classify(agent), "parsed_at": parsed_at} for agent in agents
        ]
        warehouse.insert_arrow("dwh.user_agents", pa.Table.from_pylist(rows, schema=SCHEMA))
    return len(agents)
