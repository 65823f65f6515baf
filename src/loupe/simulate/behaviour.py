"""What visitors do: a state machine over the shop's pages, making API calls as it goes.

Humans land on the home page, a listing or a product, then browse listings (filters, sorts,
pages, searches with suggestions), view products at known positions, favorite, fill and abandon
carts, log in or register, and order. Crawlers walk listings and product pages quickly.
"""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import replace
from itertools import accumulate

from loupe.simulate import endpoints as api
from loupe.simulate.catalog import SECTIONS, Item
from loupe.simulate.listing import DEFAULT_PER_PAGE, SORTS, ListingFilter, Listings
from loupe.simulate.queries import Suggestions, query_for
from loupe.simulate.recorder import VisitRecorder
from loupe.simulate.shopping import Shopping
from loupe.simulate.shopstate import ShopState
from loupe.simulate.sources import pick_arrival
from loupe.simulate.visitors import Visitor

SITE = "https://shop.example"
_SECTION_NAMES = tuple(SECTIONS)
_REFINEMENTS = (
    ("material", ("gold", "silver", "platinum", "steel")),
    ("metal", ("585", "750", "925")),
    ("stone", ("diamond", "sapphire", "pearl", "cubic_zirconia", "emerald")),
)
_PRICE_BANDS = ((None, 5_000), (5_000, 15_000), (15_000, 50_000), (50_000, None))
EXIT, BROWSE, LISTING, PRODUCT, CART, FAVORITES = range(6)


class VisitSimulator:
    """Generates the calls of one visit at a time over the shared shop state."""

    def __init__(self, shop: ShopState, listings: Listings, error_rate: float) -> None:
        self.shop = shop
        self.listings = listings
        self.error_rate = error_rate
        self.rng = random.Random(0)
        self.suggestions = Suggestions()
        self._popularity: list[float] = []
        self.reweigh()

    def reweigh(self) -> None:
        """Weigh the items by their demand again (call after prices change)."""
        self._popularity = list(accumulate(item.demand for item in self.shop.items))

    def popular_item(self) -> Item:
        """An item drawn by demand: popularity x price factor (catalog.py)."""
        point = self.rng.random() * self._popularity[-1]
        return self.shop.items[min(bisect(self._popularity, point), len(self.shop.items) - 1)]

    def visit(self, visitor: Visitor, start_ms: int) -> VisitRecorder:
        """All calls of one visit starting at `start_ms`, in time order."""
        user_id = visitor.account_id if visitor.logged_in else None
        v = VisitRecorder(
            self.rng,
            visitor.session_id,
            user_id,
            visitor.agent.user_agent,
            visitor.ip,
            start_ms,
            self.error_rate,
        )
        if visitor.agent.device_type == "bot":
            self._crawl(v)
        else:
            _HumanVisit(self, v, visitor).run()
        return v

    def _crawl(self, v: VisitRecorder) -> None:
        """A crawler: section listing pages and the product pages linked from them."""
        rng = self.rng
        rows: list[dict] = []
        if rng.random() < 0.5:
            api.static_page(v, api.HOME)
        for _ in range(rng.randint(4, 50)):
            v.now_ms += rng.randint(300, 4_000)
            if rng.random() < 0.03:
                v.emit("GET", api.CATALOG, {}, 429, {"error": "rate_limited"}, 2)
                v.now_ms += rng.randint(5_000, 20_000)
            elif not rows or rng.random() < 0.3:
                listing = ListingFilter(section=rng.choice(_SECTION_NAMES))
                shown = api.catalog(v, self.listings, listing, rng.randint(1, 6), DEFAULT_PER_PAGE)
                rows = shown[1] if shown else rows
            else:
                api.product(v, self.shop, rng.choice(rows)["id"])


class _HumanVisit:
    """One human visit: the pages the visitor is on and the choices made there."""

    def __init__(self, sim: VisitSimulator, v: VisitRecorder, visitor: Visitor) -> None:
        self.sim = sim
        self.rng = sim.rng
        self.v = v
        self.visitor = visitor
        self.shopping = Shopping(sim.shop, v, visitor)
        self.intent = self.rng.random() ** 3
        self.listing = ListingFilter()
        self.page = 1
        self.per_page = DEFAULT_PER_PAGE
        self.total = 0
        self.rows: list[dict] = []
        self.item: Item | None = None
        self.may_order = True

    def run(self) -> None:
        """Land (on the home page, a listing or a product, from the visit's source), then move
        between pages until the visitor leaves."""
        rng, v = self.rng, self.v
        roll = rng.random()
        section = rng.choice(_SECTION_NAMES)
        item_id = self._landing_item()
        landing = (
            "/" if roll < 0.55 else f"/catalog/{section}" if roll < 0.8 else f"/product/{item_id}"
        )
        arrival = pick_arrival(rng, SITE, landing)
        v.referer, v.page_referrer, v.source = arrival.referer, arrival.page_referrer, arrival.truth
        self.may_order = arrival.may_order
        if roll < 0.55:
            api.static_page(v, api.HOME)
            api.static_page(v, api.BANNERS)
            api.static_page(v, api.MENU)
            v.referer = SITE + "/"
            state = BROWSE
        elif roll < 0.8:
            api.static_page(v, api.MENU)
            state = self.open_section(section)
        else:
            api.static_page(v, api.MENU)
            state = self.view(item_id)
        if self.visitor.account_id and not self.visitor.logged_in and rng.random() < 0.3:
            self.v.pause(4_000)
            self.shopping.login()
        handlers = (None, self.browse, self.on_listing, self.on_product, self.on_cart, self.on_fav)
        for _ in range(2 + min(60, int(rng.expovariate(0.1)))):
            if state == EXIT:
                break
            state = handlers[state]()

    # -- pages ---------------------------------------------------------------------------------
    def show(self, listing: ListingFilter, page: int = 1) -> bool:
        """Open a listing page; False when the call failed."""
        shown = api.catalog(self.v, self.sim.listings, listing, page, self.per_page)
        if shown is None:
            return False
        self.listing, self.page, (self.total, self.rows) = listing, page, shown
        where = "/search" if listing.q is not None else f"/catalog/{listing.section or 'all'}"
        self.v.referer = SITE + where
        return True

    def view(self, item_id: int) -> int:
        """Open a product page; the next state."""
        item = api.product(self.v, self.sim.shop, item_id)
        if item is None:
            return LISTING if self.rows else BROWSE
        self.item = item
        self.v.referer = f"{SITE}/product/{item_id}"
        return PRODUCT

    def open_section(self, section: str | None = None) -> int:
        """Open the first page of a section (from the menu, or landing on it)."""
        section = section or self.rng.choice(_SECTION_NAMES)
        return LISTING if self.show(ListingFilter(section=section)) else EXIT

    def _landing_item(self) -> int:
        """The product of a landing from an ad or a shared link: popular, or (a stale link) an
        item that no longer exists (404)."""
        rng = self.rng
        if rng.random() < 0.03:
            return len(self.sim.shop.items) + rng.randint(1, 500)
        return self.sim.popular_item().id

    def search(self) -> int:
        """Type a query (with suggestions), then open its results."""
        rng, v = self.rng, self.v
        query = query_for(self.sim.popular_item(), rng)
        if rng.random() < 0.6:
            cuts = {rng.randint(2, max(2, len(query))) for _ in range(rng.randint(1, 3))}
            for cut in sorted(cuts):
                api.suggest(v, self.sim.suggestions, query[:cut])
                v.now_ms += rng.randint(150, 900)
        v.pause(2_500)
        return LISTING if self.show(ListingFilter(q=query, sort=self._sort())) else BROWSE

    def _sort(self) -> str:
        return "popular" if self.rng.random() < 0.8 else self.rng.choice(SORTS)

    def browse(self) -> int:
        """From the home page or menu: a section, a search, favorites or the cart."""
        rng = self.rng
        self.v.pause(6_000)
        roll = rng.random()
        if roll < 0.55:
            listing = ListingFilter(section=rng.choice(_SECTION_NAMES), sort=self._sort())
            return LISTING if self.show(listing) else BROWSE
        if roll < 0.88:
            return self.search()
        if roll < 0.9 + (0.08 if self.v.user_id is not None else 0.02):
            return FAVORITES
        return CART if rng.random() < 0.8 else EXIT

    def on_listing(self) -> int:
        """On a listing: open a product, page, sort, refine, search again, or leave."""
        rng, v = self.rng, self.v
        v.pause(12_000)
        if not self.rows:
            roll = rng.random()
            if roll < 0.45:
                return self.search()
            if roll < 0.7:
                return self.open_section()
            return EXIT
        roll = rng.random()
        if roll < 0.46:
            index = min(len(self.rows) - 1, int(rng.expovariate(0.18)))
            return self.view(self.rows[index]["id"])
        if roll < 0.58:
            if self.page * self.per_page < self.total:
                self.show(self.listing, self.page + 1)
            else:
                self.show(replace(self.listing, sort=rng.choice(SORTS)))
        elif roll < 0.64:
            self.show(replace(self.listing, sort=rng.choice(SORTS)))
        elif roll < 0.76:
            self.show(self._refined())
        elif roll < 0.82:
            return self.search()
        elif roll < 0.87:
            return self.open_section()
        elif roll < 0.89:
            self.per_page = 48
            self.show(self.listing)
        else:
            return CART if self.shopping.cart_lines() and rng.random() < 0.4 else EXIT
        return LISTING

    def _refined(self) -> ListingFilter:
        rng = self.rng
        roll = rng.random()
        if roll < 0.75:
            name, values = _REFINEMENTS[int(roll / 0.25)]
            chosen = set(getattr(self.listing, name)) | {rng.choice(values)}
            return replace(self.listing, **{name: tuple(sorted(chosen))})
        low, high = rng.choice(_PRICE_BANDS)
        return replace(self.listing, price_min=low, price_max=high)

    def on_product(self) -> int:
        """On a product page: favorite, add to cart, go back, another product, or leave."""
        rng, v, item = self.rng, self.v, self.item
        assert item is not None
        v.pause(35_000)
        favorites = self.sim.shop.favorites.get(v.user_id or 0, {})
        if item.id in favorites and rng.random() < 0.25:
            self.shopping.unfavorite(item.id)  # changed their mind
            return PRODUCT
        roll = rng.random()
        if roll < 0.08:
            self.shopping.favorite(item)
            return PRODUCT
        # The chance to add to the cart follows the price (price_factor: 1.0 until repriced).
        if roll < 0.08 + (0.03 + 0.25 * self.intent) * item.price_factor:
            # Most leave an item shown out of stock; some try the cart anyway (409).
            if item.stock == 0 and rng.random() < 0.85:
                return LISTING if self.rows else BROWSE
            if self.shopping.add_to_cart(item) and rng.random() < 0.5:
                return CART
            return PRODUCT if rng.random() < 0.3 else (LISTING if self.rows else BROWSE)
        roll = rng.random()
        if roll < 0.45 and self.rows:
            return LISTING
        if roll < 0.6 and self.rows:
            self.show(self.listing, self.page)
            return LISTING
        if roll < 0.72:
            return self.view(self.sim.popular_item().id)
        if roll < 0.77:
            return CART
        return EXIT if roll < 0.95 else BROWSE

    def on_cart(self) -> int:
        """On the cart page: check out, remove a line, go on browsing, or abandon it."""
        rng = self.rng
        self.v.pause(3_000)
        lines = self.shopping.show_cart()
        if lines is None:
            return BROWSE
        if not lines:
            return BROWSE if rng.random() < 0.5 else EXIT
        roll = rng.random()
        if roll < 0.08 + 0.6 * self.intent and self.may_order:
            if self.shopping.checkout() and rng.random() < 0.3:
                api.static_page(self.v, api.BANNERS)
                return BROWSE
            return EXIT
        if roll < 0.85:
            self.shopping.remove_from_cart(rng.choice(sorted(lines)))
            return CART if rng.random() < 0.3 else BROWSE
        return BROWSE if rng.random() < 0.5 else EXIT

    def on_fav(self) -> int:
        """On the favorites page: remove one, open one, or move on."""
        rng = self.rng
        favorites = self.shopping.show_favorites()
        if not favorites:
            return BROWSE if rng.random() < 0.7 else EXIT
        if rng.random() < 0.35:
            self.v.pause(3_000)
            self.shopping.unfavorite(rng.choice(favorites))
            return FAVORITES if rng.random() < 0.3 else BROWSE
        self.v.pause(3_000)
        return self.view(rng.choice(favorites))
