"""An independent recount of visits and truth figures from emitted records (test helper).

Deliberately written apart from `loupe.simulate.truth`: it follows docs/simulator.md literally.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

GAP = timedelta(minutes=30)


def parse_ts(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def split_visits(records: list[dict]) -> list[list[dict]]:
    """Dedupe by event_id, group by session_id, order by ts, split on gaps over 30 minutes."""
    unique: dict[str, dict] = {}
    for record in records:
        unique.setdefault(record["event_id"], record)
    sessions: dict[str, list[dict]] = defaultdict(list)
    for record in unique.values():
        sessions[record["session_id"]].append(record)
    visits = []
    for calls in sessions.values():
        calls.sort(key=lambda r: parse_ts(r["ts"]))
        current = [calls[0]]
        for previous, call in itertools.pairwise(calls):
            if parse_ts(call["ts"]) - parse_ts(previous["ts"]) > GAP:
                visits.append(current)
                current = []
            current.append(call)
        visits.append(current)
    visits.sort(key=lambda calls: (parse_ts(calls[0]["ts"]), calls[0]["session_id"]))
    return visits


def _norm(q: str) -> str:
    return " ".join(q.strip().lower().split())


def recount(
    records: list[dict],
    device_of: dict[str, str],
    timezone: str = "UTC",
    behaviour_bots: frozenset[tuple[str, str]] = frozenset(),
) -> dict:
    """Visits, per-product rows, catalog-call rows and day rows, by the documented rules.
    `behaviour_bots`: the (session_id, visit_start) of the bots with a browser's agent (their
    records do not say; the truth's `bot_reason` does)."""
    zone = ZoneInfo(timezone)
    visits, products, catalog_rows = [], [], []
    days: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    for calls in split_visits(records):
        first = calls[0]
        key = (first["session_id"], first["ts"])
        ok = [c for c in calls if c["status"] < 400]
        catalog = [c for c in ok if c["method"] == "GET" and c["endpoint"] == "/api/v1/catalog"]
        views = [
            c for c in ok if c["method"] == "GET" and c["endpoint"].startswith("/api/v1/products/")
        ]
        favs = [c for c in ok if c["method"] == "POST" and c["endpoint"] == "/api/v1/favorites"]
        carts = [c for c in ok if c["method"] == "POST" and c["endpoint"] == "/api/v1/cart"]
        attempts = [c for c in calls if c["method"] == "POST" and c["endpoint"] == "/api/v1/orders"]
        orders = [c for c in attempts if c["status"] < 400]
        searches = [c for c in catalog if _norm(c["request"].get("q") or "")]
        device = device_of[first["user_agent"]]
        visit = {
            "session_id": key[0],
            "visit_start": key[1],
            "date": parse_ts(first["ts"]).astimezone(zone).date().isoformat(),
            "device_type": device,
            "is_registered": any(c["user_id"] is not None for c in calls),
            "calls": len(calls),
            "catalog_calls": len(catalog),
            "searches": len(searches),
            "zero_result_searches": sum(c["response"]["total"] == 0 for c in searches),
            "product_views": len(views),
            "favorite_adds": len(favs),
            "cart_adds": len(carts),
            "orders": len(orders),
            "revenue": sum(c["response"]["total"] for c in orders),
        }
        visits.append(visit)
        per_product: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
        for c in views:
            per_product[int(c["endpoint"].rsplit("/", 1)[1])][0] += 1
        for c in carts:
            per_product[c["request"]["product_id"]][1] += c["request"]["qty"]
        for c in orders:
            for line in c["request"]["items"]:
                per_product[line["product_id"]][2] += line["qty"]
        for product_id, (v, a, p) in sorted(per_product.items()):
            products.append((*key, product_id, v, a, p))
        catalog_rows.extend(_clicks(ok, key))
        day = days[visit["date"]]
        day["visits"] += 1
        day["calls"] += visit["calls"]
        day["orders"] += visit["orders"]
        day["revenue"] += visit["revenue"]
        if device != "bot" and key not in behaviour_bots:
            day["human_visits"] += 1
            day["visits_with_product_view"] += visit["product_views"] > 0
            day["visits_with_favorite"] += visit["favorite_adds"] > 0
            day["visits_with_cart_add"] += visit["cart_adds"] > 0
            day["visits_with_order"] += visit["orders"] > 0
            day["cart_visits_without_order"] += visit["cart_adds"] > 0 and not visit["orders"]
            day["units"] += sum(line["qty"] for c in orders for line in c["request"]["items"])
            day["order_attempts"] += len(attempts)
            day["order_failures"] += sum(
                c["status"] in (409, 422) or c["status"] >= 500 for c in attempts
            )
        else:
            day["bot_visits"] += 1
    return {"visits": visits, "products": products, "catalog": catalog_rows, "days": days}


def _clicks(ok: list[dict], key: tuple[str, str]) -> list[tuple]:
    """(event_id, q, total, clicked id, position) of each successful catalog call."""
    rows = []
    for index, call in enumerate(ok):
        if call["method"] != "GET" or call["endpoint"] != "/api/v1/catalog":
            continue
        request, response = call["request"], call["response"]
        ids = [item["id"] for item in response["items"]]
        clicked, position = 0, 0
        for later in ok[index + 1 :]:
            if later["method"] == "GET" and later["endpoint"] == "/api/v1/catalog":
                break
            if later["method"] == "GET" and later["endpoint"].startswith("/api/v1/products/"):
                product_id = later["response"]["id"]
                if product_id in ids:
                    clicked = product_id
                    offset = (request.get("page", 1) - 1) * request.get("per_page", 24)
                    position = offset + ids.index(product_id) + 1
                    break
        q = _norm(request.get("q") or "") or None
        rows.append((call["event_id"], *key, q, response["total"], clicked, position))
    return rows


def recount_item_days(
    records: list[dict],
    device_of: dict[str, str],
    behaviour_bots: frozenset[tuple[str, str]],
    timezone: str = "UTC",
) -> tuple[dict[tuple[str, int], dict], set[tuple[str, str, int]]]:
    """People's demand per (visit date, item) as docs/simulator.md defines it, and the (session,
    visit start, product) of every visit, bots included, that saw a product page with stock 0."""
    zone = ZoneInfo(timezone)
    item_days: dict[tuple[str, int], dict] = {}
    seen_out: set[tuple[str, str, int]] = set()
    for calls in split_visits(records):
        key = (calls[0]["session_id"], calls[0]["ts"])
        person = device_of[calls[0]["user_agent"]] != "bot" and key not in behaviour_bots
        day = parse_ts(calls[0]["ts"]).astimezone(zone).date().isoformat()
        counts: dict[int, dict] = defaultdict(lambda: defaultdict(int))
        for c in calls:
            page = c["method"] == "GET" and c["endpoint"].startswith("/api/v1/products/")
            if page and c["status"] < 400:
                item = counts[int(c["endpoint"].rsplit("/", 1)[1])]
                item["views"] += 1
                if c["response"]["stock"] == 0:
                    item["views_out_of_stock"] += 1
                    item["visits_out_of_stock"] = 1
                    seen_out.add((*key, c["response"]["id"]))
            elif c["method"] == "POST" and c["endpoint"] == "/api/v1/cart":
                if c["status"] == 409:
                    counts[c["request"]["product_id"]]["cart_attempts_out_of_stock"] += 1
                elif c["status"] < 400:
                    counts[c["request"]["product_id"]]["cart_adds"] += c["request"]["qty"]
            elif c["method"] == "POST" and c["endpoint"] == "/api/v1/orders" and c["status"] < 400:
                for line in c["request"]["items"]:
                    counts[line["product_id"]]["purchased_qty"] += line["qty"]
                    counts[line["product_id"]]["revenue"] += line["qty"] * line["price"]
        for item_id, item in counts.items() if person else ():
            totals = item_days.setdefault((day, item_id), defaultdict(int))
            for name, count in item.items():
                totals[name] += count
    return item_days, seen_out
