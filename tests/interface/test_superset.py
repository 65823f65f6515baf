"""Apache Superset from PyPI (apache-superset 6.1.0, pinned in tests/interface/superset/; its own
virtual environment, made by `make superset`) on the HTTP interface of a real Loupe process
holding the demo warehouse: through Superset's REST API, the database with the reader, a dataset
over dwh.sessions, a chart of visits by device type and a dashboard; headless Chromium shows the
dashboard with the warehouse's numbers; SQL Lab runs a query preceded by a `SET`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers.dashboards import CHROMIUM, CHROMIUM_ARGS
from tests.helpers.processes import LOUPE
from tests.helpers.servers import free_port
from tests.interface.holding import READER_PASSWORD, Holder, holding_process

ROOT = Path(__file__).parents[2]
CONFIG = Path(__file__).parent / "superset" / "superset_config.py"
HOME = Path(os.environ.get("LOUPE_SUPERSET_HOME", ROOT / ".venv-superset"))
ADMIN = {"username": "admin", "password": "admin"}  # made by install.sh, on loopback only
VISITS_SQL = "SELECT device_type, count() AS visits FROM dwh.sessions GROUP BY device_type"

pytestmark = pytest.mark.slow


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required under CI)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Holder]:
    """`loupe demo`'s warehouse, held by a Loupe process serving the interface."""
    root = tmp_path_factory.mktemp("superset_demo")
    env = {name: value for name, value in os.environ.items() if not name.startswith("LOUPE_")}
    env["LOUPE_DATA_DIR"] = str(root / "warehouse")
    subprocess.run(
        [*LOUPE, "demo", "--days", "2", "--visits-per-day", "150", "--seed", "11"],
        cwd=root, env=env, check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    with holding_process(root) as holder:
        yield holder


@pytest.fixture(scope="module")
def superset(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Superset's web server (its own process, a free port) on a fresh copy of the metadata
    install.sh prepared; yields its URL."""
    if not (HOME / ".installed").is_file():
        _unavailable(f"Superset is not installed in {HOME}: run `make superset`")
    if not Path(CHROMIUM).is_file():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    port = free_port()
    metadata = tmp_path_factory.mktemp("superset") / "superset.db"
    shutil.copyfile(HOME / "superset.db", metadata)
    env = {
        **os.environ,
        "LOUPE_SUPERSET_DB": str(metadata),
        "SUPERSET_CONFIG_PATH": str(CONFIG),
        "LOUPE_SUPERSET_HOME": str(HOME),
        "FLASK_APP": "superset",
    }
    log = (metadata.parent / "server.log").open("w")
    process = subprocess.Popen(
        [str(HOME / "bin" / "superset"), "run", "-h", "127.0.0.1", "-p", str(port),
         "--with-threads"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "Superset did not start"
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(30)
        log.close()


def api(url: str) -> httpx.Client:
    """A REST client logged in as Superset's admin, with its CSRF token."""
    client = httpx.Client(base_url=url, timeout=120)
    login = client.post("/api/v1/security/login", json={**ADMIN, "provider": "db"})
    client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
    client.headers["X-CSRFToken"] = client.get("/api/v1/security/csrf_token/").json()["result"]
    client.headers["Referer"] = url
    return client


def created(response: httpx.Response) -> int:
    assert response.status_code == 201, response.text
    return response.json()["id"]


def layout(chart_id: int) -> str:
    """A dashboard layout holding one chart."""
    chart = {"chartId": chart_id, "width": 6, "height": 50, "sliceName": "Visits by device type"}
    return json.dumps({
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": ["ROW-1"],
                    "parents": ["ROOT_ID"]},
        "ROW-1": {"type": "ROW", "id": "ROW-1", "children": ["CHART-1"],
                  "parents": ["ROOT_ID", "GRID_ID"], "meta": {"background": "BACKGROUND_WHITE"}},
        "CHART-1": {"type": "CHART", "id": "CHART-1", "children": [],
                    "parents": ["ROOT_ID", "GRID_ID", "ROW-1"], "meta": chart},
    })  # fmt: skip


def shown_rows(url: str, dashboard_id: int) -> list[list[str]]:
    """The rows of the dashboard's table chart as headless Chromium renders them."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{url}/login/")
            page.fill("#username", ADMIN["username"])
            page.fill("#password", ADMIN["password"])
            page.click("button:has-text('Sign in')")
            page.wait_for_load_state("networkidle")
            page.goto(f"{url}/superset/dashboard/{dashboard_id}/")
            page.wait_for_selector("table tbody tr td", timeout=120_000)
            return page.eval_on_selector_all(
                "table tbody tr",
                "rows => rows.map(row => Array.from(row.querySelectorAll('td'))"
                ".map(cell => cell.innerText.trim()))",
            )
        finally:
            browser.close()


def test_superset_charts_the_warehouse_through_the_interface(demo: Holder, superset: str) -> None:
    expected = httpx.get(
        demo.url,
        params={"query": VISITS_SQL + " FORMAT JSONEachRow"},
        auth=("reader", READER_PASSWORD),
        timeout=60,
    )
    visits = {
        row["device_type"]: int(row["visits"]) for row in map(json.loads, expected.text.split())
    }
    assert len(visits) >= 3 and sum(visits.values()) > 200

    client = api(superset)
    uri = f"clickhousedb://reader:{READER_PASSWORD}@127.0.0.1:{demo.port}/dwh"
    database = created(client.post("/api/v1/database/", json={
        "database_name": "Loupe", "sqlalchemy_uri": uri, "expose_in_sqllab": True,
    }))  # fmt: skip
    dataset = created(client.post("/api/v1/dataset/", json={
        "database": database, "schema": "dwh", "table_name": "sessions",
    }))  # fmt: skip
    columns = client.get(f"/api/v1/dataset/{dataset}").json()["result"]["columns"]
    assert {"device_type", "session_id", "date"} <= {column["column_name"] for column in columns}
    params = {
        "viz_type": "table", "datasource": f"{dataset}__table", "query_mode": "aggregate",
        "groupby": ["device_type"], "metrics": ["count"], "row_limit": 100,
        "adhoc_filters": [], "time_range": "No filter",
    }  # fmt: skip
    chart = created(client.post("/api/v1/chart/", json={
        "slice_name": "Visits by device type", "viz_type": "table", "datasource_id": dataset,
        "datasource_type": "table", "params": json.dumps(params),
    }))  # fmt: skip
    dashboard = created(client.post("/api/v1/dashboard/", json={
        "dashboard_title": "Loupe visits", "published": True, "position_json": layout(chart),
    }))  # fmt: skip
    attached = client.put(f"/api/v1/chart/{chart}", json={"dashboards": [dashboard]})
    assert attached.status_code == 200, attached.text

    shown = shown_rows(superset, dashboard)
    assert {device: int(count.replace(",", "")) for device, count in shown} == visits

    # SQL Lab sends both statements on one session: the SET must not break the SELECT.
    ran = client.post("/api/v1/sqllab/execute/", json={
        "database_id": database, "schema": "dwh", "runAsync": False,
        "sql": "SET max_threads = 1;\nSELECT count() AS visits FROM dwh.sessions",
    })  # fmt: skip
    assert ran.status_code == 200, ran.text
    assert ran.json()["data"] == [{"visits": sum(visits.values())}]
