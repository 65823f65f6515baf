"""The shop-API map (`shop_api.yaml`): which call is which event, and where its fields are.

The SQL jobs never name an endpoint or a JSON key: they receive this map as query parameters
(arrays of patterns and keys, and the ClickHouse types that `JSONExtract` parses request and
response bodies into, once per row). Editing the YAML is how the ETL follows an API change.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, field_validator

from loupe.errors import ConfigError
from loupe.settings import first_error

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
PACKAGED_MAP = resources.files("loupe.jobs") / "shop_api.yaml"


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
    route: str = ""

    @field_validator("route")
    @classmethod
    def _route(cls, value: str) -> str:
        if value and not value.startswith("/"):
            raise ValueError("must be a path template starting with `/`")
        return value

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
    request_promo: str


class ProductViewRule(_Strict):
    response_price: str
    response_stock: str


class CartAddRule(_Strict):
    response_qty: str = "qty"
    response_price: str = "price"


class AuthRule(_Strict):
    response_user_id: str = "user_id"


class ShopApiMap(_Strict):
    """The whole map, validated."""

    events: dict[str, EventRule]
    catalog: CatalogRule
    product_view: ProductViewRule
    order: OrderRule
    # Defaults: a map written before these sections keeps loading.
    cart_add: CartAddRule = CartAddRule()
    auth: AuthRule = AuthRule()

    def query_parameters(self) -> dict[str, Any]:
        """The map as query parameters for the SQL jobs (see sql/visit_calls.sql)."""
        names = list(self.events)
        rules = list(self.events.values())
        request_type, request_positions = _request_type(self)
        response_type, positions, item_id_keys = _response_type(self)
        return {
            "event_names": names,
            "event_patterns": [_call_pattern(rule) for rule in rules],
            "event_routes": [rule.route for rule in rules],
            "product_id_sources": [rule.product_id.partition(".")[0] for rule in rules],
            "qty_sources": [rule.qty.partition(".")[0] for rule in rules],
            "list_item_id_at": [
                item_id_keys.index(rule.list_item_id) + 1 if rule.list_item_id else 0
                for rule in rules
            ],
            "parse_request": [int(_reads_request(n, r)) for n, r in self.events.items()],
            "parse_response": [int(_reads_response(n, r)) for n, r in self.events.items()],
            "request_type": request_type,
            **{f"request_{field}_at": at for field, at in request_positions.items()},
            # A list filter given once in a query string arrives as a plain string
            # (`?material=gold`, docs/shop-api.md): the SQL reads these keys again then.
            "list_filter_keys": [self.catalog.request[key] for key in LIST_FILTERS],
            "response_type": response_type,
            "response_catalog_total_at": positions["catalog_total"],
            "response_product_price_at": positions["product_price"],
            "response_order_total_at": positions["order_total"],
            "response_product_stock_at": positions["product_stock"],
            "response_list_items_at": positions["list_items"],
            "response_cart_qty_at": positions["cart_qty"],
            "response_cart_price_at": positions["cart_price"],
            "response_account_id_at": positions["account_id"],
            "default_page": self.catalog.default_page,
            "default_per_page": self.catalog.default_per_page,
            "default_sort": self.catalog.default_sort,
        }


# The events whose response the jobs read, by name (beside the list calls).
RESPONSE_EVENTS = ("catalog", "product_view", "order", "cart_add", "login", "register")


def _reads_request(name: str, rule: EventRule) -> bool:
    """Whether the jobs read this event's request body (so it is parsed only then)."""
    sources = (rule.product_id, rule.qty)
    return name in ("catalog", "order") or any(s.startswith("request.") for s in sources)


def _reads_response(name: str, rule: EventRule) -> bool:
    """Whether the jobs read this event's response body."""
    return name in RESPONSE_EVENTS or bool(rule.list_items)


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
LIST_FILTERS = ("material", "metal", "stone")  # in CATALOG_FIELDS order
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


def _request_key(api: ShopApiMap, role: str) -> str:
    """The one request key the events take `role` (product_id or qty) from, or a key no JSON
    body has when no event reads it from the request."""
    sources = {getattr(rule, role) for rule in api.events.values()}
    keys = {source[8:] for source in sources if source.startswith("request.")}
    if len(keys) > 1:
        raise ValueError(f"events must share one request key for {role}, not {sorted(keys)}")
    return keys.pop() if keys else f"__no_{role}"


def _request_type(api: ShopApiMap) -> tuple[str, dict[str, int]]:
    """Request bodies parse into one tuple: the catalog fields in `CATALOG_FIELDS` order, the
    order's lines, the product id, the quantity and the order's promo code; return it and the
    position of each field in it (`order_items`, `product_id`, `qty`, `promo` for the last)."""
    catalog_keys, order = api.catalog.request, api.order
    items_type = _tuple_type(order.item, ORDER_ITEM_FIELDS)
    extra = [
        order.request_items,
        _request_key(api, "product_id"),
        _request_key(api, "qty"),
        order.request_promo,
    ]
    if len(set(extra)) != 4 or set(extra) & set(catalog_keys.values()):
        raise ValueError("the order's items, product id, qty and promo request keys must differ")
    fields = _tuple_type(catalog_keys, CATALOG_FIELDS).removeprefix("Tuple(").removesuffix(")")
    tuple_type = (
        f"Tuple({fields}, `{_key(extra[0])}` Array({items_type}), "
        f"`{_key(extra[1])}` UInt64, `{_key(extra[2])}` Int64, `{_key(extra[3])}` String)"
    )
    names = [*CATALOG_FIELDS, "order_items", "product_id", "qty", "promo"]
    return tuple_type, {name: at for at, name in enumerate(names, start=1)}


def _response_type(api: ShopApiMap) -> tuple[str, dict[str, int], list[str]]:
    """Response bodies parse into one tuple of their distinct keys; return it, the position of
    each role (catalog total, product price and stock, order total, list items, a cart add's
    line quantity and price, the user a login answers with) in it, and the
    product-id keys of list items (a list item parses into a tuple of those, all UInt64)."""
    list_keys = {rule.list_items for rule in api.events.values() if rule.list_items}
    if len(list_keys) != 1:
        raise ValueError("list calls must share one response key for their items")
    item_id_keys = sorted({_key(r.list_item_id) for r in api.events.values() if r.list_item_id})
    item_type = ", ".join(f"`{key}` UInt64" for key in item_id_keys)
    roles = {
        "catalog_total": (api.catalog.response_total, "Float64"),
        "product_price": (api.product_view.response_price, "Float64"),
        "product_stock": (api.product_view.response_stock, "Nullable(Int64)"),
        "order_total": (api.order.response_total, "Float64"),
        "list_items": (list_keys.pop(), f"Array(Tuple({item_type}))"),
        "cart_qty": (api.cart_add.response_qty, "UInt32"),
        "cart_price": (api.cart_add.response_price, "Float64"),
        "account_id": (api.auth.response_user_id, "UInt64"),
    }
    keys: dict[str, str] = {}
    for key, clickhouse_type in roles.values():
        if keys.setdefault(_key(key), clickhouse_type) != clickhouse_type:
            raise ValueError(f"response key {key!r} has two roles of different types")
    positions = {role: list(keys).index(key) + 1 for role, (key, _) in roles.items()}
    fields = ", ".join(f"`{key}` {clickhouse_type}" for key, clickhouse_type in keys.items())
    return f"Tuple({fields})", positions, item_id_keys


def _key(key: str) -> str:
    if not _KEY.match(key):
        raise ValueError(f"not a plain JSON key: {key!r}")
    return key


@cache
def load_map(path: Path | None = None) -> ShopApiMap:
    """The shop-API map in the YAML file `path` (setting `shop_api_map`), or the packaged one."""
    if path is None:
        return ShopApiMap.model_validate(yaml.safe_load(PACKAGED_MAP.read_text()))
    try:
        shop_map = ShopApiMap.model_validate(yaml.safe_load(path.read_text()))
        shop_map.query_parameters()  # the checks that span rules
    except ValueError as exc:
        raise ConfigError(f"shop_api_map {path}: {first_error(exc)}") from exc
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"shop_api_map {path}: {' '.join(str(exc).split())}") from exc
    return shop_map
