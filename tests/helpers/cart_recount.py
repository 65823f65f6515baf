"""An independent recount of the cart episodes from emitted records (test helper).

Written apart from `loupe.simulate.cart_episodes`, which follows the shop's state: this replays
the successful cart calls in time order, as docs/shop-api.md describes their effect, and cuts
episodes by docs/simulator.md.
"""

from __future__ import annotations

from tests.helpers.recount import parse_ts

CART = "/api/v1/cart"
AUTH = ("/api/v1/auth/login", "/api/v1/auth/register")


def _episode(start: str) -> dict:
    return {"episode_start": start, "last_changed_at": start, "status": "open", "ordered_at": None,
            "lines": {}}  # fmt: skip


def recount_carts(records: list[dict]) -> list[dict]:
    """Every episode: cart key, start, last change, status, ordered_at, and its lines as they
    last stood with lines (`lines`: item id -> [qty, price])."""
    unique = {record["event_id"]: record for record in records if record["status"] < 400}
    calls = sorted(unique.values(), key=lambda r: (parse_ts(r["ts"]), r["event_id"]))
    carts: dict[str, dict[int, list[int]]] = {}
    open_: dict[str, dict] = {}
    ended: list[dict] = []

    def changed(key: str, ts: str) -> None:
        episode = open_.setdefault(key, _episode(ts))
        episode["last_changed_at"] = ts
        episode["lines"] = {item: list(line) for item, line in carts[key].items()}

    def left(key: str, ts: str, status: str) -> None:
        if carts.get(key):
            changed(key, ts)
            return
        episode = open_.pop(key)
        episode.update(status=status, last_changed_at=ts)
        if status == "ordered":
            episode["ordered_at"] = ts
        ended.append({"cart_key": key, **episode})

    for call in calls:
        method, endpoint, ts = call["method"], call["endpoint"], call["ts"]
        user = call["user_id"]
        key = f"u:{user}" if user is not None else f"s:{call['session_id']}"
        if method == "POST" and endpoint == CART:
            response = call["response"]
            carts.setdefault(key, {})[response["product_id"]] = [response["qty"], response["price"]]
            changed(key, ts)
        elif method == "DELETE" and endpoint.startswith(f"{CART}/"):
            del carts[key][int(endpoint.rsplit("/", 1)[1])]
            left(key, ts, "emptied")
        elif method == "POST" and endpoint == "/api/v1/orders":
            for line in call["request"]["items"]:
                del carts[key][line["product_id"]]
            left(key, ts, "ordered")
        elif method == "POST" and endpoint in AUTH and carts.get(key):
            user_key = f"u:{call['response']['user_id']}"
            target = carts.setdefault(user_key, {})
            for item, (qty, price) in carts.pop(key).items():
                target.setdefault(item, [0, price])[0] += qty
            guest = open_.pop(key)
            episode = open_.setdefault(user_key, guest)
            episode["episode_start"] = min(episode["episode_start"], guest["episode_start"],
                                           key=parse_ts)  # fmt: skip
            changed(user_key, ts)
    ended += [{"cart_key": key, **episode} for key, episode in open_.items()]
    return sorted(ended, key=lambda row: (parse_ts(row["episode_start"]), row["cart_key"]))
