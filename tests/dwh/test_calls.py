"""dwh.calls: every call of pd.api_calls with its route (the endpoint's template from the shop-API
map), for analysts; the parsed calls carry the same route."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from loupe.jobs.event_map import PACKAGED_MAP
from loupe.jobs.run import build_day
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from tests.helpers.calls import DAY, at, call, load

DOCS = Path(__file__).resolve().parents[2] / "docs" / "shop-api.md"
_METHOD = re.compile(r"^\| `(GET|POST|DELETE) ")
_PATH = re.compile(r"`(?:[A-Z]+ )?(/api/v1/[^`]*)`")


def documented_calls() -> list[tuple[str, str]]:
    """Method and path template of every call in the endpoint table of docs/shop-api.md (a row
    may list several paths of one method)."""
    calls = set()
    for line in DOCS.read_text().splitlines():
        method = _METHOD.match(line)
        if method:
            first_cell = line.split("|")[1]
            calls.update((method.group(1), path) for path in _PATH.findall(first_cell))
    return sorted(calls)


def test_every_documented_endpoint_has_its_route_and_an_unknown_one_keeps_it(
    warehouse: Warehouse, settings: Settings
) -> None:
    calls = documented_calls()
    assert ("GET", "/api/v1/products/{id}") in calls and len(calls) == 15
    records = [
        call(at(10, n), method=method, endpoint=re.sub(r"\{\w+\}", str(800 + n), route))
        for n, (method, route) in enumerate(calls)
    ]
    records.append(call(at(11), method="GET", endpoint="/api/v2/gift-cards/55"))
    load(warehouse, records)
    build_day(warehouse, settings, DAY)
    got = {
        (row["method"], row["endpoint"]): row["route"]
        for row in warehouse.rows("SELECT method, endpoint, route FROM dwh.calls")
    }
    expected = {(r["method"], r["endpoint"]): route for r, (_, route) in zip(records, calls)}
    expected[("GET", "/api/v2/gift-cards/55")] = "/api/v2/gift-cards/55"
    assert got == expected
    parsed = warehouse.rows("SELECT method, endpoint, route FROM etl.visit_calls")
    assert {(r["method"], r["endpoint"]): r["route"] for r in parsed} == expected


def test_routes_group_the_calls_of_every_product(warehouse: Warehouse, settings: Settings) -> None:
    load(
        warehouse,
        [call(at(10, n), endpoint=f"/api/v1/products/{n + 1}") for n in range(5)],
    )
    build_day(warehouse, settings, DAY)
    rows = warehouse.rows("SELECT route, count() AS calls FROM dwh.calls GROUP BY route")
    assert rows == [{"route": "/api/v1/products/{id}", "calls": 5}]


def test_every_event_of_the_packaged_map_has_a_route() -> None:
    events = yaml.safe_load(PACKAGED_MAP.read_text())["events"]
    assert all(rule.get("route", "").startswith("/api/v1/") for rule in events.values())
