"""The endpoints that change the shop: auth, favorites, cart and orders, for one visit.

A call changes the shop state only when it succeeds (status < 400), and its response says what
the state became, so the log and the production database agree.
"""

from __future__ import annotations

from loupe.simulate import endpoints as api
from loupe.simulate.catalog import Item
from loupe.simulate.recorder import VisitRecorder
from loupe.simulate.shopstate import PROMO_DISCOUNTS, CartLine, Order, ShopState
from loupe.simulate.visitors import Visitor

_NO_PARAMS: dict = {}
_VALID_PROMOS = tuple(sorted(PROMO_DISCOUNTS))
_INVALID_PROMO = "FREESHIP"


class Shopping:
    """A visitor's account, favorites, cart and checkout during one visit."""

    def __init__(self, shop: ShopState, v: VisitRecorder, visitor: Visitor) -> None:
        self.shop = shop
        self.v = v
        self.rng = v.rng
        self.visitor = visitor

    @property
    def cart_key(self) -> str:
        """`u:<user_id>` once logged in, `s:<session_id>` for a guest."""
        user_id = self.v.user_id
        return f"u:{user_id}" if user_id is not None else f"s:{self.v.session_id}"

    def cart_lines(self) -> dict[int, CartLine]:
        """The visitor's cart as the shop holds it."""
        return self.shop.cart(self.cart_key)

    # -- account ---------------------------------------------------------------------------
    def _logged_in(self, user_id: int) -> None:
        """The guest cart moves into the customer's as the login or registration call is
        answered (the call's time)."""
        guest_key = f"s:{self.v.session_id}"
        self.shop.merge_cart(guest_key, f"u:{user_id}", user_id, self.v.stamps[-1])
        self.visitor.account_id = user_id
        self.visitor.logged_in = True
        self.v.user_id = user_id

    def login(self) -> bool:
        """`POST /api/v1/auth/login` (a mistyped password first, sometimes)."""
        user = self.shop.users[self.visitor.account_id or 0]
        request = {"email": user.email}
        if self.rng.random() < 0.08:
            self.v.emit("POST", api.LOGIN, request, 401, {"error": "invalid_credentials"}, 40)
            self.v.pause(6_000, 0.5)
        if self.v.fails("POST", api.LOGIN, request):
            return False
        self.v.emit("POST", api.LOGIN, request, 200, {"user_id": user.id}, self.v.duration(60))
        self.shop.login(user.id, self.v.stamps[-1])
        self._logged_in(user.id)
        return True

    def register(self) -> bool:
        """`POST /api/v1/auth/register`: a new customer."""
        request = {"email": f"user{self.shop.next_user_id}@example.com"}
        if self.v.fails("POST", api.REGISTER, request):
            return False
        user = self.shop.register(self.v.now_ms)
        self.v.emit("POST", api.REGISTER, request, 200, {"user_id": user.id}, self.v.duration(90))
        self._logged_in(user.id)
        return True

    def ensure_logged_in(self) -> bool:
        """Log in (or register) before something that needs an account."""
        if self.v.user_id is not None:
            return True
        self.v.pause(5_000, 0.5)
        return self.login() if self.visitor.account_id else self.register()

    # -- favorites -------------------------------------------------------------------------
    def favorite(self, item: Item) -> None:
        """`POST /api/v1/favorites`; guests get 401 and sometimes log in and try again."""
        request = {"product_id": item.id}
        if self.v.user_id is None:
            self.v.emit("POST", api.FAVORITES, request, 401, {"error": "login_required"}, 6)
            if self.rng.random() > 0.3 or not self.ensure_logged_in():
                return
            self.v.pause(1_500, 0.5)
        if self.v.fails("POST", api.FAVORITES, request):
            return
        self.shop.add_favorite(self.v.user_id, item.id, self.v.now_ms)
        self.v.emit("POST", api.FAVORITES, request, 200, {"product_id": item.id}, 20)

    def show_favorites(self) -> list[int]:
        """`GET /api/v1/favorites`: the favorite item ids (guests get 401 and none)."""
        if self.v.user_id is None:
            self.v.emit("GET", api.FAVORITES, _NO_PARAMS, 401, {"error": "login_required"}, 5)
            return []
        if self.v.fails("GET", api.FAVORITES, _NO_PARAMS):
            return []
        favorites = sorted(self.shop.favorites.get(self.v.user_id, {}))
        response = {"items": [{"product_id": item_id} for item_id in favorites]}
        self.v.emit("GET", api.FAVORITES, _NO_PARAMS, 200, response, self.v.duration(20))
        return favorites

    def unfavorite(self, item_id: int) -> None:
        """`DELETE /api/v1/favorites/{product_id}`."""
        endpoint = f"{api.FAVORITES}/{item_id}"
        if self.v.fails("DELETE", endpoint, _NO_PARAMS):
            return
        self.shop.remove_favorite(self.v.user_id or 0, item_id)
        self.v.emit("DELETE", endpoint, _NO_PARAMS, 200, {"product_id": item_id}, 15)

    # -- cart ------------------------------------------------------------------------------
    def add_to_cart(self, item: Item) -> bool:
        """`POST /api/v1/cart`; 409 when the stock cannot cover it."""
        roll = self.rng.random()
        qty = 1 if roll < 0.88 else (2 if roll < 0.97 else 3)
        request = {"product_id": item.id, "qty": qty}
        if self.v.fails("POST", api.CART, request):
            return False
        line = self.shop.add_to_cart(
            self.cart_key, self.v.user_id, self.v.session_id, item, qty, self.v.now_ms
        )
        if line is None:
            response = {"error": "out_of_stock", "stock": item.stock}
            self.v.emit("POST", api.CART, request, 409, response, 20)
            return False
        response = {"product_id": item.id, "qty": line.qty, "price": line.price}
        self.v.emit("POST", api.CART, request, 200, response, self.v.duration(30))
        return True

    def show_cart(self) -> dict[int, CartLine] | None:
        """`GET /api/v1/cart` with current prices; None when it failed."""
        if self.v.fails("GET", api.CART, _NO_PARAMS):
            return None
        lines = self.cart_lines()
        items = [
            {"product_id": item_id, "qty": line.qty, "price": self.shop.items[item_id - 1].price}
            for item_id, line in sorted(lines.items())
        ]
        response = {"items": items, "total": sum(row["qty"] * row["price"] for row in items)}
        self.v.emit("GET", api.CART, _NO_PARAMS, 200, response, self.v.duration(25))
        return lines

    def remove_from_cart(self, item_id: int) -> bool:
        """`DELETE /api/v1/cart/{product_id}` (404 when not in the cart)."""
        endpoint = f"{api.CART}/{item_id}"
        if self.v.fails("DELETE", endpoint, _NO_PARAMS):
            return False
        if not self.shop.remove_from_cart(self.cart_key, item_id, self.v.now_ms):
            self.v.emit("DELETE", endpoint, _NO_PARAMS, 404, {"error": "not_in_cart"}, 8)
            return False
        self.v.emit("DELETE", endpoint, _NO_PARAMS, 200, {"product_id": item_id}, 18)
        return True

    # -- orders ----------------------------------------------------------------------------
    def checkout(self) -> Order | None:
        """Log in if needed, then `POST /api/v1/orders` for the whole cart at current prices."""
        if not self.ensure_logged_in():
            return None
        roll = self.rng.random()
        promo = None
        if roll < 0.12:
            promo = self.rng.choice(_VALID_PROMOS)
        elif roll < 0.15:
            promo = _INVALID_PROMO
        for _attempt in range(3):
            lines = [
                (item_id, line.qty, self.shop.items[item_id - 1].price)
                for item_id, line in sorted(self.cart_lines().items())
            ]
            if not lines:
                return None
            request: dict = {
                "items": [{"product_id": i, "qty": q, "price": p} for i, q, p in lines]
            }
            if promo:
                request["promo"] = promo
            self.v.pause(20_000, 0.6)
            if self.v.fails("POST", api.ORDERS, request):
                return None
            if promo == _INVALID_PROMO:
                self.v.emit("POST", api.ORDERS, request, 422, {"error": "invalid_promo"}, 35)
                promo = None
                continue
            placed = self.shop.place_order(
                self.cart_key, self.v.user_id or 0, self.v.session_id, lines, promo, self.v.now_ms
            )
            if isinstance(placed, int):
                response = {"error": "out_of_stock", "product_id": placed}
                self.v.emit("POST", api.ORDERS, request, 409, response, 60)
                self.v.pause(4_000, 0.5)
                self.remove_from_cart(placed)
                continue
            response = {"order_id": placed.id, "total": placed.total, "status": "created"}
            self.v.emit("POST", api.ORDERS, request, 200, response, self.v.duration(180))
            return placed
        return None
