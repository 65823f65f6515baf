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
LAPTOP = {"width": 1366, "height": 768}  # the viewport of the browser tests
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


class Page:
    """A browser tab that records console errors and uncaught exceptions."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

    def open(self, url: str) -> list[dict]:
        """Load a dashboard page and wait until every card has rendered (or said why not)."""
        from playwright.sync_api import expect

        self.page.goto(url)
        expect(self.page.locator(".card")).not_to_have_count(0)
        expect(self.page.locator('.card[data-state="loading"]')).to_have_count(0, timeout=30_000)
        return self.cards()

    def cards(self) -> list[dict]:
        return self.page.eval_on_selector_all(
            ".card",
            """cards => cards.map(card => {
                const chart = card.querySelector('.chart');
                const instance = chart && echarts.getInstanceByDom(chart);
                const series = instance ? instance.getOption().series : [];
                return {
                    id: card.dataset.card, display: card.dataset.display,
                    state: card.dataset.state, rows: Number(card.dataset.rows),
                    value: card.dataset.value ?? null,
                    previous: card.dataset.previous ?? null,
                    change: card.dataset.change ?? null,
                    names: series.map(s => s.name),
                    text: card.querySelector('.body').innerText.trim(),
                    canvas: !!card.querySelector('.chart canvas'),
                    points: series.map(s => s.data.filter(d => d != null).length),
                    height: card.getBoundingClientRect().height,
                };
            })""",
        )
