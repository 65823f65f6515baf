"""Catalog listings: filter, search, sort and paginate the items, as `GET /api/v1/catalog` does.

Listings are cached by their filter and sort, since visitors ask for the same ones again and
again; the cache is dropped whenever prices change (sorting by price depends on them).
"""

from __future__ import annotations

from dataclasses import dataclass

from loupe.simulate.catalog import Item
from loupe.simulate.queries import resolve_query

DEFAULT_PER_PAGE = 24
SORTS = ("popular", "price_asc", "price_desc", "new")
_CACHE_LIMIT = 50_000


@dataclass(frozen=True)
class ListingFilter:
    """The filters of a catalog request (empty tuples mean no filter)."""

    section: str | None = None
    material: tuple[str, ...] = ()
    metal: tuple[str, ...] = ()
    stone: tuple[str, ...] = ()
    price_min: int | None = None
    price_max: int | None = None
    q: str | None = None
    sort: str = "popular"

    def request(self, page: int, per_page: int) -> dict:
        """The request object of a catalog call, with only the parameters given."""
        request: dict = {}
        if self.section:
            request["section"] = self.section
        if self.material:
            request["material"] = list(self.material)
        if self.metal:
            request["metal"] = list(self.metal)
        if self.stone:
            request["stone"] = list(self.stone)
        if self.price_min is not None:
            request["price_min"] = self.price_min
        if self.price_max is not None:
            request["price_max"] = self.price_max
        if self.q is not None:
            request["q"] = self.q
        if self.sort != "popular":
            request["sort"] = self.sort
        if page != 1:
            request["page"] = page
        if per_page != DEFAULT_PER_PAGE:
            request["per_page"] = per_page
        return request


_ATTRIBUTES = ("section", "material", "metal", "stone", "motif")


class Listings:
    """Answers catalog requests over the current items.

    Filtering intersects per-attribute sets of item ids; sorting uses per-sort ranks, rebuilt
    when prices change.
    """

    def __init__(self, items: list[Item]) -> None:
        self.items = items
        self._by_attribute: dict[tuple[str, str | None], set[int]] = {}
        for item in items:
            for name in _ATTRIBUTES:
                self._by_attribute.setdefault((name, getattr(item, name)), set()).add(item.id)
        self._all = {item.id for item in items}
        self._matches: dict[tuple, list[Item]] = {}
        self._pages: dict[tuple, tuple[int, list[dict]]] = {}
        self._ranks: dict[str, list[int]] = {}
        self.invalidate()

    def invalidate(self) -> None:
        """Forget cached listings and price ranks (call after prices change)."""
        self._matches.clear()
        self._pages.clear()
        orders = {
            "popular": sorted(self.items, key=lambda item: (-item.demand, item.id)),
            "price_asc": sorted(self.items, key=lambda item: (item.price, item.id)),
            "price_desc": sorted(self.items, key=lambda item: (-item.price, item.id)),
            "new": sorted(self.items, key=lambda item: -item.id),
        }
        for sort, ordered in orders.items():
            rank = [0] * (len(self.items) + 1)
            for position, item in enumerate(ordered):
                rank[item.id] = position
            self._ranks[sort] = rank

    def matches(self, listing: ListingFilter) -> list[Item]:
        """All items of a listing, in its sort order."""
        key = (
            listing.section,
            listing.material,
            listing.metal,
            listing.stone,
            listing.price_min,
            listing.price_max,
            listing.q,
            listing.sort,
        )
        found = self._matches.get(key)
        if found is None:
            if len(self._matches) > _CACHE_LIMIT:
                self._matches.clear()
                self._pages.clear()
            ids = sorted(self._filter(listing), key=self._ranks[listing.sort].__getitem__)
            found = [self.items[item_id - 1] for item_id in ids]
            self._matches[key] = found
        return found

    def _filter(self, listing: ListingFilter) -> set[int]:
        constraints = resolve_query(listing.q) if listing.q is not None else {}
        if constraints is None:
            return set()
        wanted: list[set[int]] = []
        if listing.section:
            wanted.append(self._by_attribute.get(("section", listing.section), set()))
        for name, value in constraints.items():
            wanted.append(self._by_attribute.get((name, value), set()))
        for name in ("material", "metal", "stone"):
            values = getattr(listing, name)
            if values:
                union: set[int] = set()
                for value in values:
                    union |= self._by_attribute.get((name, value), set())
                wanted.append(union)
        wanted.sort(key=len)
        found = set(wanted[0]) if wanted else set(self._all)
        for other in wanted[1:]:
            found &= other
        if listing.price_min is not None or listing.price_max is not None:
            low = listing.price_min if listing.price_min is not None else 0
            high = listing.price_max if listing.price_max is not None else 1 << 62
            found = {i for i in found if low <= self.items[i - 1].price <= high}
        return found

    def page(self, listing: ListingFilter, page: int, per_page: int) -> tuple[int, list[dict]]:
        """(total, the page's `[{id, price}]`) of a listing; the list is shared, never mutate it."""
        key = (listing, page, per_page)
        answer = self._pages.get(key)
        if answer is None:
            found = self.matches(listing)
            start = (page - 1) * per_page
            rows = [
                {"id": item.id, "price": item.price} for item in found[start : start + per_page]
            ]
            answer = (len(found), rows)
            self._pages[key] = answer
        return answer
