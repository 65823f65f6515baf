"""Ground truth of a run, counted from each visit's calls by the definitions in docs/simulator.md.

Files (NDJSON, one object a line, in visit start order): `visits.ndjson`,
`visit_products.ndjson`, `catalog_calls.ndjson`, `out_of_stock_views.ndjson`, then
`days.ndjson`, `promos.ndjson`, `item_days.ndjson`, `carts.ndjson`, `price_changes.ndjson` and
`run.json` at the end.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

import orjson

from loupe.simulate.cart_episodes import Episode
from loupe.simulate.queries import intended_query, normalize_query
from loupe.simulate.recorder import iso_ms

CATALOG = "/api/v1/catalog"
PRODUCT_PREFIX = "/api/v1/products/"
CART = "/api/v1/cart"
_DUMP = orjson.OPT_APPEND_NEWLINE
# The counts of `item_days.ndjson`, in the order `_count_item_demand` keeps them.
ITEM_DAY_COUNTS = (
    "views",
    "views_out_of_stock",
    "visits_out_of_stock",
    "cart_adds",
    "cart_attempts_out_of_stock",
    "purchased_qty",
    "revenue",
)
_FUNNEL = ("visits_with_product_view", "visits_with_favorite", "visits_with_cart_add")


class TruthWriter:
    """Counts every visit as it is generated and writes the truth files."""

    def __init__(self, directory: Path, zone: ZoneInfo) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.zone = zone
        self.days: dict[str, dict] = {}
        # (date, promo) -> [orders, revenue, discount, refused], people's visits only.
        self.promos: dict[tuple[str, str], list[int]] = {}
        # The price changes committed to the production database, in commit order.
        self.price_changes: list[dict] = []
        self._visits: IO[bytes] = open(directory / "visits.ndjson", "wb")  # noqa: SIM115
        self._products: IO[bytes] = open(directory / "visit_products.ndjson", "wb")  # noqa: SIM115
        self._catalog: IO[bytes] = open(directory / "catalog_calls.ndjson", "wb")  # noqa: SIM115
        # (date, item) -> ITEM_DAY_COUNTS, people's visits only; each visit's out-of-stock views.
        self.item_days: dict[tuple[str, int], list[int]] = {}
        out_of_stock = directory / "out_of_stock_views.ndjson"
        self._out_of_stock: IO[bytes] = open(out_of_stock, "wb")  # noqa: SIM115

    def add_day(self, day: str) -> None:
        """Make sure a day of the run has a row, even with no visits."""
        self.days.setdefault(day, _empty_day(day))

    def add_visit(
        self, records: list[dict], first_ms: int, device_type: str, source: dict, bot_reason: str
    ) -> dict:
        """Count one visit (its calls unique and in time order) with its acquisition (landing
        page, referrer host, tags, click id type, channel: simulate/sources.py); return its
        visit row. `bot_reason`: `user_agent` for a crawler's agent, `behaviour:<rule>` for a bot
        that sends a browser's agent (the ETL rule that must find it), empty for a person."""
        day = datetime.fromtimestamp(first_ms / 1000, self.zone).date().isoformat()
        visit = {**_visit_row(records, day, device_type, bot_reason), **source}
        products = self._count_calls(visit, records)
        self._visits.write(orjson.dumps(visit, option=_DUMP))
        self._write_products(visit, products)
        self._count_day(visit)
        self._count_item_demand(visit, records)
        return visit

    def _count_calls(self, visit: dict, records: list[dict]) -> dict[int, list[int]]:
        """Count the visit's successful calls into `visit` and write its catalog rows (each with
        the product clicked from it); return [views, cart qty, purchased qty] by product."""
        products: dict[int, list[int]] = {}
        listing: dict | None = None
        positions: dict[int, int] = {}
        for record in records:
            method, endpoint = record["method"], record["endpoint"]
            if method == "POST" and endpoint == "/api/v1/orders":
                _count_order_attempt(visit, record)
                if not visit["is_bot"]:
                    self._count_promo(visit["date"], record)
            if record["status"] >= 400:
                continue
            if method == "GET" and endpoint == CATALOG:
                self._write_listing(listing)
                listing, positions = _catalog_row(record, visit)
            elif method == "GET" and endpoint.startswith(PRODUCT_PREFIX):
                visit["product_views"] += 1
                product_id = record["response"]["id"]
                products.setdefault(product_id, [0, 0, 0])[0] += 1
                _mark_click(listing, positions, product_id)
            elif method == "POST" and endpoint == "/api/v1/favorites":
                visit["favorite_adds"] += 1
            elif method == "POST" and endpoint == "/api/v1/cart":
                visit["cart_adds"] += 1
                request = record["request"]
                products.setdefault(request["product_id"], [0, 0, 0])[1] += request["qty"]
            elif method == "POST" and endpoint == "/api/v1/orders":
                visit["orders"] += 1
                visit["revenue"] += record["response"]["total"]
                visit["units"] += sum(line["qty"] for line in record["request"]["items"])
                for line in record["request"]["items"]:
                    products.setdefault(line["product_id"], [0, 0, 0])[2] += line["qty"]
        self._write_listing(listing)
        return products

    def _count_item_demand(self, visit: dict, records: list[dict]) -> None:
        """Per item, the visit's product pages (those answered with stock 0 apart), successful
        cart adds (quantity), cart adds refused out of stock (409) and order lines, added to its
        day's `item_days` for a person; and one `out_of_stock_views` row per product any visit
        saw out of stock."""
        seen_out: dict[int, int] = {}
        counts: dict[int, list[int]] = {}
        for record in records:
            method, endpoint, status = record["method"], record["endpoint"], record["status"]
            if method == "GET" and endpoint.startswith(PRODUCT_PREFIX) and status < 400:
                response = record["response"]
                row = counts.setdefault(response["id"], [0] * len(ITEM_DAY_COUNTS))
                row[0] += 1
                if response["stock"] <= 0:
                    row[1] += 1
                    seen_out[response["id"]] = seen_out.get(response["id"], 0) + 1
            elif method == "POST" and endpoint == CART and (status < 400 or status == 409):
                request = record["request"]
                row = counts.setdefault(request["product_id"], [0] * len(ITEM_DAY_COUNTS))
                if status == 409:
                    row[4] += 1
                else:
                    row[3] += request["qty"]
            elif method == "POST" and endpoint == "/api/v1/orders" and status < 400:
                for line in record["request"]["items"]:
                    row = counts.setdefault(line["product_id"], [0] * len(ITEM_DAY_COUNTS))
                    row[5] += line["qty"]
                    row[6] += line["qty"] * line["price"]
        for product_id in sorted(seen_out):
            row = {"session_id": visit["session_id"], "visit_start": visit["visit_start"],
                   "product_id": product_id, "views": seen_out[product_id]}  # fmt: skip
            self._out_of_stock.write(orjson.dumps(row, option=_DUMP))
        if visit["is_bot"]:
            return
        for product_id, row in counts.items():
            row[2] = product_id in seen_out
            totals = self.item_days.setdefault((visit["date"], product_id), [0] * len(row))
            for index, count in enumerate(row):
                totals[index] += count

    def _write_item_days(self) -> None:
        with open(self.directory / "item_days.ndjson", "wb") as item_days:
            for (day, item_id), counts in sorted(self.item_days.items()):
                row = {"date": day, "item_id": item_id, **dict(zip(ITEM_DAY_COUNTS, counts))}
                item_days.write(orjson.dumps(row, option=_DUMP))

    def add_price_changes(self, changes: list[tuple[int, int, int]], at_ms: int) -> None:
        """Price changes `(item id, old price, new price)` that the commit at `at_ms` wrote to
        the production database (history dates their versions at that instant)."""
        for item_id, old_price, new_price in changes:
            self.price_changes.append({"item_id": item_id, "changed_at": iso_ms(at_ms),
                                       "old_price": old_price, "new_price": new_price})  # fmt: skip

    def _write_price_changes(self) -> None:
        with open(self.directory / "price_changes.ndjson", "wb") as changes:
            for change in self.price_changes:
                changes.write(orjson.dumps(change, option=_DUMP))

    def _count_promo(self, day: str, record: dict) -> None:
        """An order call by its promo code ('' without one): a success counts as an order with
        its total and discount (its lines' subtotal less the total), a 422 as a refused code."""
        status, request = record["status"], record["request"]
        if status >= 400 and status != 422:
            return
        totals = self.promos.setdefault((day, request.get("promo") or ""), [0, 0, 0, 0])
        if status == 422:
            totals[3] += 1
            return
        total = record["response"]["total"]
        subtotal = sum(line["qty"] * line["price"] for line in request["items"])
        totals[0] += 1
        totals[1] += total
        totals[2] += subtotal - total

    def _write_listing(self, listing: dict | None) -> None:
        if listing is not None:
            self._catalog.write(orjson.dumps(listing, option=_DUMP))

    def _write_products(self, visit: dict, products: dict[int, list[int]]) -> None:
        """One row per product the visit viewed, put in its cart or bought, by product id."""
        for product_id in sorted(products):
            views, cart_qty, purchased = products[product_id]
            row = {
                "session_id": visit["session_id"],
                "visit_start": visit["visit_start"],
                "product_id": product_id,
                "views": views,
                "cart_adds": cart_qty,
                "purchased_qty": purchased,
            }
            self._products.write(orjson.dumps(row, option=_DUMP))

    def _count_day(self, visit: dict) -> None:
        totals = self.days.setdefault(visit["date"], _empty_day(visit["date"]))
        totals["visits"] += 1
        totals["calls"] += visit["calls"]
        totals["orders"] += visit["orders"]
        totals["revenue"] += visit["revenue"]
        if visit["is_bot"]:
            totals["bot_visits"] += 1
            return
        totals["human_visits"] += 1
        totals["visits_with_product_view"] += visit["product_views"] > 0
        totals["visits_with_favorite"] += visit["favorite_adds"] > 0
        totals["visits_with_cart_add"] += visit["cart_adds"] > 0
        totals["visits_with_order"] += visit["orders"] > 0
        totals["cart_visits_without_order"] += visit["cart_adds"] > 0 and not visit["orders"]
        for name in ("units", "order_attempts", "order_failures"):
            totals[name] += visit[name]

    def close_files(self) -> None:
        """Close the per-visit files (also when the run failed half way)."""
        for handle in (self._visits, self._products, self._catalog, self._out_of_stock):
            handle.close()

    def finish(self, run_info: dict) -> None:
        """Close the per-visit files, then write the day totals and the run description."""
        self.close_files()
        with open(self.directory / "days.ndjson", "wb") as days:
            for day in sorted(self.days):
                days.write(orjson.dumps(self.days[day], option=_DUMP))
        with open(self.directory / "promos.ndjson", "wb") as promos:
            for (day, promo), counts in sorted(self.promos.items()):
                names = ("orders", "revenue", "discount", "refused")
                row = {"date": day, "promo": promo, **dict(zip(names, counts))}
                promos.write(orjson.dumps(row, option=_DUMP))
        self._write_item_days()
        self._write_price_changes()
        (self.directory / "run.json").write_bytes(
            orjson.dumps(run_info, option=orjson.OPT_INDENT_2 | _DUMP)
        )

    def write_carts(self, episodes: list[Episode]) -> None:
        """`carts.ndjson`: one row per cart episode (simulate/cart_episodes.py), by start."""
        with open(self.directory / "carts.ndjson", "wb") as carts:
            for episode in episodes:
                carts.write(orjson.dumps(episode.truth_row(self.zone), option=_DUMP))


def _visit_row(records: list[dict], day: str, device_type: str, bot_reason: str) -> dict:
    """A visit's row before its calls are counted: who, when, how many calls."""
    return {
        "session_id": records[0]["session_id"],
        "visit_start": records[0]["ts"],
        "visit_end": records[-1]["ts"],
        "date": day,
        "device_type": device_type,
        "is_bot": bot_reason != "",
        "bot_reason": bot_reason,
        "is_registered": any(record["user_id"] is not None for record in records),
        "user_id": next(
            (r["user_id"] for r in reversed(records) if r["user_id"] is not None), None
        ),
        "calls": len(records),
        "catalog_calls": 0,
        "searches": 0,
        "zero_result_searches": 0,
        "product_views": 0,
        "favorite_adds": 0,
        "cart_adds": 0,
        "orders": 0,
        "revenue": 0,
        "units": 0,
        "order_attempts": 0,
        "order_failures": 0,
    }


def _count_order_attempt(visit: dict, record: dict) -> None:
    """An order call of any status; a failure is a 409 (stock), 422 (promo) or server error."""
    visit["order_attempts"] += 1
    status = record["status"]
    visit["order_failures"] += status in (409, 422) or status >= 500


def _mark_click(listing: dict | None, positions: dict[int, int], product_id: int) -> None:
    """Record a product view as the open listing's click, if the listing showed the product
    and no click was recorded yet."""
    if listing is None or listing["clicked_product_id"]:
        return
    position = positions.get(product_id)
    if position is not None:
        listing["clicked_product_id"] = product_id
        listing["clicked_position"] = position


def _catalog_row(record: dict, visit: dict) -> tuple[dict, dict[int, int]]:
    request, response = record["request"], record["response"]
    raw_q = request.get("q")
    q = normalize_query(raw_q) if raw_q is not None else ""
    visit["catalog_calls"] += 1
    if q:
        visit["searches"] += 1
        if response["total"] == 0:
            visit["zero_result_searches"] += 1
    offset = (request.get("page", 1) - 1) * request.get("per_page", 24)
    positions = {}
    for index, row in enumerate(response["items"]):
        positions.setdefault(row["id"], offset + index + 1)
    row = {
        "event_id": record["event_id"],
        "session_id": visit["session_id"],
        "visit_start": visit["visit_start"],
        "ts": record["ts"],
        "q": q or None,
        "is_search": bool(q),
        "total": response["total"],
        "zero_result": response["total"] == 0,
        "clicked_product_id": 0,
        "clicked_position": 0,
        "page": request.get("page", 1),
        **_filters(request),
    }
    if q:
        row["intended_q"], row["has_typo"] = intended_query(raw_q)
    return row, positions


def _filters(request: dict) -> dict:
    """A catalog call's filter combination: list filters sorted and joined with `|`, and the
    price band of the price filter's upper bound (or lower, if only that)."""
    bound = request.get("price_max", request.get("price_min"))
    band = "any"
    if bound is not None:
        band = next((name for name, top in _PRICE_BANDS if bound <= top), "50k_plus")
    return {
        "section": request.get("section", ""),
        **{
            name: "|".join(sorted(request.get(name, []))) for name in ("material", "metal", "stone")
        },
        "price_band": band,
    }


_PRICE_BANDS = (("up_to_5k", 5000), ("5k_20k", 20000), ("20k_50k", 50000))


def _empty_day(day: str) -> dict:
    return {
        "date": day,
        "visits": 0,
        "human_visits": 0,
        "bot_visits": 0,
        "calls": 0,
        "orders": 0,
        "revenue": 0,
        **dict.fromkeys(_FUNNEL, 0),
        "visits_with_order": 0,
        "cart_visits_without_order": 0,
        "units": 0,
        "order_attempts": 0,
        "order_failures": 0,
    }
