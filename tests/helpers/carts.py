"""The shop's cart calls, hand-written (docs/shop-api.md): adds, removals, logins and orders of
one session, and the rows of dwh.carts as the tests compare them."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from loupe.warehouse import Warehouse
from tests.helpers.calls import DAY, call

CART = "/api/v1/cart"


def moment(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    """A UTC instant on `day` (as dwh.carts gives its times)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.utc)


def ts(when: datetime) -> str:
    """An instant as the record's `ts` writes it."""
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def add(when: datetime, session: str, product: int, qty: int, line_qty: int, price: int,
        user: int | None = None, status: int = 200) -> dict:  # fmt: skip
    """`POST /api/v1/cart`: `qty` of `product`; the line holds `line_qty` at `price` after it."""
    response = {"product_id": product, "qty": line_qty, "price": price}
    if status >= 400:
        response = {"error": "out_of_stock", "stock": 0}
    return call(ts(when), session, user_id=user, method="POST", endpoint=CART, status=status,
                request={"product_id": product, "qty": qty}, response=response)  # fmt: skip


def remove(when: datetime, session: str, product: int, user: int | None = None,
           status: int = 200) -> dict:  # fmt: skip
    """`DELETE /api/v1/cart/{product}` (404 when the line is not there)."""
    response = {"product_id": product} if status < 400 else {"error": "not_in_cart"}
    return call(ts(when), session, user_id=user, method="DELETE", endpoint=f"{CART}/{product}",
                status=status, response=response)  # fmt: skip


def login(when: datetime, session: str, user: int, endpoint: str = "/api/v1/auth/login") -> dict:
    """A successful login (or registration) of a guest: the call carries no user id yet."""
    return call(ts(when), session, method="POST", endpoint=endpoint,
                request={"email": "h:0123"}, response={"user_id": user})  # fmt: skip


def order(when: datetime, session: str, user: int, lines: list[tuple[int, int, int]]) -> dict:
    """`POST /api/v1/orders` of `(product, qty, price)` lines."""
    items = [{"product_id": p, "qty": q, "price": price} for p, q, price in lines]
    total = sum(q * price for _, q, price in lines)
    return call(ts(when), session, user_id=user, method="POST", endpoint="/api/v1/orders",
                request={"items": items}, response={"order_id": 1, "total": total})  # fmt: skip


def home(when: datetime, session: str, user: int | None = None) -> dict:
    """A page load that changes no cart."""
    return call(ts(when), session, user_id=user)


def days_of(first: date, last: date) -> list[date]:
    """Every day from `first` to `last`."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def carts(warehouse: Warehouse) -> list[dict]:
    """The rows of dwh.carts by cart and start."""
    return warehouse.rows("SELECT * FROM dwh.carts ORDER BY cart_key, episode_start")
