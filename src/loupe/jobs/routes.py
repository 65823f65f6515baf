"""The routes of the shop-API map in the warehouse: `etl.routes`, which the view dwh.calls reads.

Each event of the map (`shop_api.yaml`) has a route template (`/api/v1/products/{id}`); the parsed
calls carry it (jobs/sql/visit_calls.sql) and dwh.calls gives it to every call of pd.api_calls,
so analysts group by route rather than by endpoint. Every day build writes the map it reads, so
the view follows a shop's own map.
"""

from __future__ import annotations

from loupe.jobs.event_map import ShopApiMap
from loupe.jobs.registry import query
from loupe.warehouse import Warehouse

CLEAR_ROUTES_SQL = query("clear_routes")
WRITE_ROUTES_SQL = query("write_routes")


def write_routes(warehouse: Warehouse, shop_map: ShopApiMap) -> None:
    """Replace etl.routes with the map's call patterns and route templates, in its order."""
    params = shop_map.query_parameters()
    warehouse.command(CLEAR_ROUTES_SQL)
    warehouse.command(
        WRITE_ROUTES_SQL, {"patterns": params["event_patterns"], "routes": params["event_routes"]}
    )
