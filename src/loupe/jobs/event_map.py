"""The shop-API map (`shop_api.yaml`): which call is which event, and where its fields are.

The SQL jobs never name an endpoint or a JSON key: they receive this map as query parameters
(arrays of patterns and keys, and the ClickHouse types that `JSONExtract` parses request and
response bodies into, once per row). Editing the YAML is how the ETL follows an API change.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, field_validator

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EventRule(_Strict):
    """One event type: `METHOD` plus a path regular expression, and where its fields are."""

    method: str
    path: str
    product_id: str = ""
    qty: str = ""
    list_items: str = ""
    list_item_id: str = ""

    @field_validator("product_id", "qty")
    @classmethod
    def _source(cls, value: str) -> str:
        if (
            value
            and value != "path"
            and not (value.startswith("request.") and _KEY.match(value[8:]))
        ):
            raise ValueError("must be `path` or `request.<key>`")
        return value

    @field_validator("list_items", "list_item_id")
    @classmethod
    def _key(cls, value: str) -> str:
        if value and not _KEY.match(value):
            raise ValueError(f"not a plain JSON key: {value!r}")
        return value


class CatalogRule(_Strict):
    request: dict[str, str]
    response_total: str
    default_page: int = 1
    default_per_page: int = 24
    default_sort: str = ""


class OrderRule(_Strict):
    request_items: str
    item: dict[str, str]
    response_total: str


class ProductViewRule(_Strict):
    response_price: str


class ShopApiMap(_Strict):
    """The whole map, validated."""

    events: dict[str, EventRule]
    catalog: CatalogRule
    product_view: ProductViewRule
    order: OrderRule

    def query_parameters(self) -> dict[str, Any]:
        """The map as query parameters for the SQL jobs (see sql/visit_calls.sql)."""
        names = list(self.events)
        rules = list(self.events.values())
        return {
            "event_names": names,
            "event_patterns": [_call_pattern(rule) for rule in rules],
            "product_id_sources": [rule.product_id for rule in rules],
            "qty_sources": [rule.qty for rule in rules],
            "list_items_keys": [rule.list_items for rule in rules],
            "list_item_id_keys": [rule.list_item_id for rule in rules],
            "catalog_request_type": _catalog_request_type(self.catalog.request),
            "catalog_total_key": self.catalog.response_total,
            "default_page": self.catalog.default_page,
            "default_per_page": self.catalog.default_per_page,
            "default_sort": self.catalog.default_sort,
            "product_price_key": self.product_view.response_price,
            "order_items_key": self.order.request_items,
            "order_items_type": _order_items_type(self.order.item),
            "order_total_key": self.order.response_total,
        }


# The canonical catalog fields, in the order the SQL reads them, with the type each parses to.
CATALOG_FIELDS = {
    "q": "Nullable(String)",
    "section": "Nullable(String)",
    "material": "Array(String)",
    "metal": "Array(String)",
    "stone": "Array(String)",
    "price_min": "Nullable(Float64)",
    "price_max": "Nullable(Float64)",
    "sort": "Nullable(String)",
    "page": "Nullable(UInt32)",
    "per_page": "Nullable(UInt32)",
}
ORDER_ITEM_FIELDS = {"product_id": "UInt64", "qty": "UInt32", "price": "Float64"}


def _call_pattern(rule: EventRule) -> str:
    """`^/api/v1/cart/?$` for POST becomes `^POST /api/v1/cart/?$` (matched on `METHOD path`)."""
    path = rule.path[1:] if rule.path.startswith("^") else ".*" + rule.path
    return f"^{rule.method.upper()} {path}"


def _tuple_type(keys: dict[str, str], fields: dict[str, str]) -> str:
    missing = set(fields) - set(keys)
    if missing or set(keys) - set(fields):
        raise ValueError(f"expected exactly the keys {sorted(fields)}")
    parts = []
    for field, clickhouse_type in fields.items():
        key = keys[field]
        if not _KEY.match(key):
            raise ValueError(f"not a plain JSON key: {key!r}")
        parts.append(f"`{key}` {clickhouse_type}")
    return f"Tuple({', '.join(parts)})"


def _catalog_request_type(keys: dict[str, str]) -> str:
    return _tuple_type(keys, CATALOG_FIELDS)


def _order_items_type(keys: dict[str, str]) -> str:
    return f"Array({_tuple_type(keys, ORDER_ITEM_FIELDS)})"


@cache
def load_map() -> ShopApiMap:
    """The packaged shop-API map."""
    text = (resources.files("loupe.jobs") / "shop_api.yaml").read_text()
    return ShopApiMap.model_validate(yaml.safe_load(text))
