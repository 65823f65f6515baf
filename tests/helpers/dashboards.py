"""The dashboards tests' material: Debian's Chromium and its flags, where screenshots go, and
the demo's length, and the dashboards the tests add to the packaged ones."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("LOUPE_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The demo warehouse the dashboards tests read: simulated days from DEMO_START.
DEMO_DAYS = 3
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def unavailable(reason: str) -> None:
    """Skip a test whose tool is missing, except under CI, where it fails."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required under CI)")
    pytest.skip(reason)


# Dashboards the tests add to the packaged ones: a failing query, an empty result, a free-text
# filter (no choices) that hostile values go through, and markup in titles and values.
TEST_DASHBOARDS = [
    {
        "slug": "testing",
        "title": 'Testing <b>&</b> "quotes"',
        "description": "<script>alert('description')</script>",
        "parameters": [
            {"name": "start", "type": "date", "label": "From", "default": "latest-6d"},
            {"name": "end", "type": "date", "label": "To", "default": "latest"},
            {"name": "q", "type": "category", "label": "Text", "default": "mobile"},
        ],
        "cards": [
            {
                "id": "broken",
                "title": "A query that fails",
                "display": "bar",
                "settings": {"dimension": "x", "metrics": ["y"]},
                "sql": "SELECT x, y FROM dwh.no_such_table WHERE d >= {{start}}",
                "row": 0,
                "col": 0,
                "width": 12,
                "height": 4,
            },
            {
                "id": "nothing",
                "title": "A query with no rows",
                "display": "line",
                "settings": {"dimension": "date", "metrics": ["visits"]},
                "sql": "SELECT date, count() AS visits FROM dwh.sessions "
                "WHERE date BETWEEN {{start}} AND {{end}} AND device_type = 'toaster' "
                "GROUP BY date",
                "row": 0,
                "col": 12,
                "width": 12,
                "height": 4,
            },
            {
                "id": "matching",
                "title": "Visits of that device type",
                "display": "scalar",
                "sql": "SELECT count() AS visits FROM dwh.sessions WHERE device_type = {{q}}",
                "row": 4,
                "col": 0,
                "width": 8,
                "height": 3,
            },
            {
                "id": "echo",
                "title": "The value as the query sees it",
                "display": "table",
                "sql": "SELECT {{q}} AS value, length({{q}}) AS characters",
                "row": 4,
                "col": 8,
                "width": 16,
                "height": 3,
            },
        ],
    }
]


def extra_dashboards() -> list[Any]:
    """TEST_DASHBOARDS, validated."""
    from loupe.dashboards.definitions import Dashboard

    return [Dashboard.model_validate(d) for d in TEST_DASHBOARDS]
