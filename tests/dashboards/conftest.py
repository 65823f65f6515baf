"""Shared by the dashboards tests: a small demo warehouse and a real headless Chromium.

The warehouse is module-scoped (chDB opens one data directory per process at a time, so each
module builds and closes its own; the demo takes a few seconds). Chromium is Debian's
`chromium`, driven by Playwright with `executable_path` set (no downloaded browsers): without it
the browser tests skip, except under CI, where they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from loupe.demo import run_demo
from loupe.settings import Settings, load_settings
from loupe.warehouse import Warehouse, open_warehouse

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
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _demo_settings(base: Path) -> Settings:
    return load_settings(
        data_dir=base / "wh",
        spool_dir=base / "spool",
        production_url=f"sqlite:///{base}/shop.sqlite",
    )


@pytest.fixture(scope="module")
def demo_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return _demo_settings(tmp_path_factory.mktemp("dashboards_demo"))


@pytest.fixture(scope="module")
def demo_warehouse(demo_settings: Settings) -> Iterator[Warehouse]:
    """Three simulated days (simulator, ETL, a history snapshot each day), built end to end."""
    with open_warehouse(demo_settings) as warehouse:
        run_demo(demo_settings, warehouse, days=3, visits_per_day=150, seed=3)
        yield warehouse


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required under CI)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium through Playwright (skipped when absent, outside CI)."""
    if not Path(CHROMIUM).is_file():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install playwright)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


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
    from loupe.dashboards.definitions import Dashboard

    return [Dashboard.model_validate(d) for d in TEST_DASHBOARDS]


@pytest.fixture(scope="module")
def dashboards_url(demo_warehouse: Warehouse) -> Iterator[str]:
    """The dashboards app (packaged dashboards plus TEST_DASHBOARDS) served by uvicorn."""
    from loupe.dashboards.definitions import load_dashboards
    from loupe.dashboards.web import create_dashboards_app
    from tests.conftest import serve_asgi

    boards = [*load_dashboards(), *extra_dashboards()]
    with serve_asgi(create_dashboards_app(demo_warehouse, boards)) as url:
        yield url
