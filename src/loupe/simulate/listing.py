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


def _sort_key(sort: str):
    if sort == "price_asc":
        return lambda item: (item.price, item.id)
    if sort == "price_desc":
        return lambda item: (-item.price, item.id)
    if sort == "new":
        return lambda item: -item.id
    return lambda item: (-item.popularity, item.id)


class Listings:
    """Answers catalog requests over the current items."""

    def __init__(self, items: list[Item]) -> None:
        self.items = items
        self._matches: dict[tuple, list[Item]] = {}
        self._pages: dict[tuple, tuple[int, list[dict]]] = {}

    def invalidate(self) -> None:
        """Forget cached listings (call after prices change)."""
        self._matches.clear()
        self._pages.clear()

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
                self.invalidate()
            found = sorted(self._filter(listing), key=_sort_key(listing.sort))
            self._matches[key] = found
        return found

    def _filter(self, listing: ListingFilter) -> list[Item]:
        constraints = resolve_query(listing.q) if listing.q is not None else {}
        if constraints is None:
            return []
        if "section" in constraints and listing.section not in (None, constraints["section"]):
            return []
        section = listing.section or constraints.get("section")
        low = listing.price_min if listing.price_min is not None else 0
        high = listing.price_max if listing.price_max is not None else 1 << 62
        return [
            item
            for item in self.items
            if (section is None or item.section == section)
            and (not listing.material or item.material in listing.material)
            and (not listing.metal or item.metal in listing.metal)
            and (not listing.stone or item.stone in listing.stone)
            and low <= item.price <= high
            and all(getattr(item, name) == value for name, value in constraints.items())
        ]

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
