"""The read-only endpoints of the shop API: pages, catalog listings, search suggestions, products.

Each helper records the call (with injected server errors and retries) and returns what the
visitor's browser got back, or None when the call finally failed.
"""

from __future__ import annotations

from loupe.simulate.catalog import SECTIONS, Item
from loupe.simulate.listing import ListingFilter, Listings
from loupe.simulate.queries import Suggestions
from loupe.simulate.recorder import VisitRecorder
from loupe.simulate.shopstate import ShopState

PREFIX = "/api/v1"
HOME = f"{PREFIX}/home"
BANNERS = f"{PREFIX}/banners"
MENU = f"{PREFIX}/menu"
CATALOG = f"{PREFIX}/catalog"
SUGGEST = f"{PREFIX}/search/suggest"
PRODUCTS = f"{PREFIX}/products"
FAVORITES = f"{PREFIX}/favorites"
CART = f"{PREFIX}/cart"
ORDERS = f"{PREFIX}/orders"
LOGIN = f"{PREFIX}/auth/login"
REGISTER = f"{PREFIX}/auth/register"

_STATIC_RESPONSES = {
    HOME: {"blocks": ["hero", "new_arrivals", "bestsellers", "gifts"]},
    BANNERS: {"banners": [{"id": 1, "slot": "hero"}, {"id": 2, "slot": "sale"}]},
    MENU: {"sections": list(SECTIONS)},
}
_NO_PARAMS: dict = {}


def static_page(v: VisitRecorder, endpoint: str) -> None:
    """Background calls of a page: home, banners, menu."""
    if not v.fails("GET", endpoint, _NO_PARAMS):
        v.emit("GET", endpoint, _NO_PARAMS, 200, _STATIC_RESPONSES[endpoint], v.duration(15))


def catalog(
    v: VisitRecorder, listings: Listings, listing: ListingFilter, page: int, per_page: int
) -> tuple[int, list[dict]] | None:
    """`GET /api/v1/catalog`: (total, page rows), or None when it failed."""
    request = listing.request(page, per_page)
    if v.fails("GET", CATALOG, request):
        return None
    total, rows = listings.page(listing, page, per_page)
    median = 90 if listing.q is not None else 55
    v.emit("GET", CATALOG, request, 200, {"total": total, "items": rows}, v.duration(median))
    return total, rows


def suggest(v: VisitRecorder, suggestions: Suggestions, typed: str) -> None:
    """`GET /api/v1/search/suggest` while the visitor types."""
    request = {"q": typed}
    if v.fails("GET", SUGGEST, request):
        return
    response = {"suggestions": suggestions.for_prefix(typed)}
    v.emit("GET", SUGGEST, request, 200, response, v.duration(12))


def product(v: VisitRecorder, shop: ShopState, item_id: int) -> Item | None:
    """`GET /api/v1/products/{id}`: the item, or None when it failed or does not exist."""
    endpoint = f"{PRODUCTS}/{item_id}"
    if v.fails("GET", endpoint, _NO_PARAMS):
        return None
    item = shop.item(item_id)
    if item is None:
        v.emit("GET", endpoint, _NO_PARAMS, 404, {"error": "not_found"}, v.duration(8))
        return None
    response = {
        "id": item.id,
        "sku": item.sku,
        "price": item.price,
        "old_price": item.old_price,
        "stock": item.stock,
    }
    v.emit("GET", endpoint, _NO_PARAMS, 200, response, v.duration(25))
    return item
