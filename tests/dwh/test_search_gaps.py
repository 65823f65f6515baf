"""dwh.search_gaps: what visitors asked the catalog for, by filter combination, from
hand-written calls (the simulator's truth: tests/jobs/test_truth.py)."""

from __future__ import annotations

from loupe.jobs.run import build_day
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from tests.helpers.calls import DAY, GOOGLEBOT, catalog, listing, load, view

EMPTY = {"total": 0, "items": []}
COLUMNS = (
    "section, material, metal, stone, price_band, searches, zero_result, no_click, example_query"
)


def test_combinations_with_no_supply_and_no_clicks(
    warehouse: Warehouse, settings: Settings
) -> None:
    pearl_rings = {"section": "rings", "material": ["silver", "gold"], "stone": ["pearl"]}
    calls = [
        # Gold and silver pearl rings under 20k: asked three times (the values in any order, as
        # one filter given once), nothing to show.
        catalog(1, {**pearl_rings, "q": "pearl ring", "price_max": 15000}, EMPTY),
        catalog(2, {**pearl_rings, "material": ["gold", "silver"], "price_max": 12000}, EMPTY),
        catalog(3, {**pearl_rings, "q": "pearl rings", "price_max": 9000}, EMPTY),
        catalog(4, {**pearl_rings, "q": "pearl rings", "price_max": 6000}, EMPTY),
        # Rings of gold: shown twice, clicked once (the page-2 call is the same ask).
        catalog(10, {"section": "rings", "material": "gold"}, listing(15, 16)),
        view(11, 15),
        catalog(12, {"section": "rings", "material": ["gold"]}, listing(17)),
        catalog(13, {"section": "rings", "material": ["gold"], "page": 2}, listing(18)),
    ]
    crawler = catalog(20, {"section": "rings", "material": ["gold"]}, EMPTY)
    load(warehouse, [*calls, {**crawler, "session_id": "bot", "user_agent": GOOGLEBOT}])
    build_day(warehouse, settings, DAY)
    rows = warehouse.rows(
        f"SELECT {COLUMNS} FROM dwh.search_gaps WHERE date = {{day:Date}} ORDER BY material",
        {"day": DAY},
    )
    assert rows == [
        {"section": "rings", "material": "gold", "metal": "", "stone": "", "price_band": "any",
         "searches": 2, "zero_result": 0, "no_click": 1, "example_query": ""},
        {"section": "rings", "material": "gold|silver", "metal": "", "stone": "pearl",
         "price_band": "5k_20k", "searches": 4, "zero_result": 4, "no_click": 0,
         "example_query": "pearl rings"},
    ]  # fmt: skip
