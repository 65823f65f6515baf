"""Fixtures of the dashboards tests: the demo warehouse, a real headless Chromium, the app served.

The demo warehouse is built once per session and closed; each module opens it (chDB opens one
data directory per process at a time, so no fixture may hold it open across modules). Chromium
is Debian's `chromium`, driven by Playwright with `executable_path` set (no downloaded browsers):
without it the browser tests skip, except under CI, where they fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from loupe.demo import run_demo
from loupe.settings import Settings, load_settings
from loupe.warehouse import Warehouse, open_warehouse
from tests.helpers.dashboards import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DEMO_DAYS,
    LAPTOP,
    Page,
    extra_dashboards,
    unavailable,
)
from tests.helpers.servers import serve_asgi


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the demo was built: its warehouse (`wh`), production database and truth files."""
    return tmp_path_factory.mktemp("dashboards_demo")


@pytest.fixture(scope="session")
def demo_settings(demo_dir: Path) -> Settings:
    """The demo's settings, once its `DEMO_DAYS` simulated days are built (simulator, ETL, a
    history snapshot each day, as `loupe demo` does it), in `demo_dir` and closed."""
    settings = load_settings(
        data_dir=demo_dir / "wh",
        spool_dir=demo_dir / "spool",
        production_url=f"sqlite:///{demo_dir / 'shop.sqlite'}",
        # Three days are shorter than the default 72 idle hours: a day makes carts abandoned.
        cart_abandoned_after_hours=24,
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(demo_dir)  # the truth files go to .loupe/truth/ under it
        with open_warehouse(settings) as warehouse:
            run_demo(settings, warehouse, days=DEMO_DAYS, visits_per_day=150, seed=3)
    return settings


@pytest.fixture(scope="module")
def demo_warehouse(demo_settings: Settings) -> Iterator[Warehouse]:
    """The demo warehouse, open for one module (the tests read it only)."""
    with open_warehouse(demo_settings) as warehouse:
        yield warehouse


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium through Playwright (skipped when absent, outside CI)."""
    if not Path(CHROMIUM).is_file():
        unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed (pip install playwright)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def dashboards_url(demo_warehouse: Warehouse) -> Iterator[str]:
    """The dashboards app (packaged dashboards plus TEST_DASHBOARDS) served by uvicorn."""
    from loupe.dashboards.definitions import load_dashboards
    from loupe.dashboards.web import create_dashboards_app

    boards = [*load_dashboards(), *extra_dashboards()]
    with serve_asgi(create_dashboards_app(demo_warehouse, boards)) as url:
        yield url


@pytest.fixture
def tab(browser: Any) -> Iterator[Page]:
    """A fresh laptop-sized tab of the browser."""
    context = browser.new_context(viewport=LAPTOP)
    try:
        yield Page(context.new_page())
    finally:
        context.close()
