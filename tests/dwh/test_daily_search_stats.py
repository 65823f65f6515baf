"""dwh.daily_search_stats: per day and normalised query, searches, zero-result searches, clicks
and carts, browsing and bots left out (docs/etl.md)."""

from __future__ import annotations

from loupe.jobs.run import build_day
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from tests.helpers.calls import (
    DAY,
    GOOGLEBOT,
    at,
    call,
    cart_add,
    catalog,
    listing,
    load,
    view,
)


def test_a_querys_day_counts_its_searches_clicks_and_carts(
    warehouse: Warehouse, settings: Settings
) -> None:
    load(
        warehouse,
        [
            catalog(0, {"q": "Ring"}, listing(15)),
            view(1, 15),
            cart_add(2, 15),
            catalog(3, {"q": "ring "}, listing()),  # the same query, nothing found
            catalog(4, {"section": "rings"}),  # browsing, not a search
            call(
                at(12, 5),
                session="bot",
                user_agent=GOOGLEBOT,
                endpoint="/api/v1/catalog",
                request={"q": "ring"},
                response=listing(15),
            ),
        ],
    )
    build_day(warehouse, settings, DAY)
    rows = warehouse.rows(
        "SELECT q, searches, zero_result_searches, clicks, carts FROM dwh.daily_search_stats"
    )
    assert rows == [
        {"q": "ring", "searches": 2, "zero_result_searches": 1, "clicks": 1, "carts": 1}
    ]
