"""The shop's state as the traffic changes it: users, stock, carts, favorites, orders.

It lives in memory while a run goes and records what changed, so that `shopdb` can write the
production database an hour at a time. Carts are keyed by `u:<user_id>` for logged-in visitors and
`s:<session_id>` for guests; a guest's cart moves to the user's cart on login or registration.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from loupe.simulate.cart_episodes import CartEpisodes
from loupe.simulate.catalog import Item

PROMO_DISCOUNTS = {"WELCOME10": 10, "JEWEL5": 5}


@dataclass(slots=True)
class User:
    """A registered customer."""

    id: int
    email: str
    created_ms: int
    last_login_ms: int | None = None


@dataclass(slots=True)
class CartLine:
    """One product in a cart: quantity and the price when it was first added."""

    user_id: int | None
    session_id: str
    qty: int
    price: int
    added_ms: int
    updated_ms: int


@dataclass
class Order:
    """A placed order and its lines `(item_id, qty, price)`."""

    id: int
    user_id: int
    session_id: str
    created_ms: int
    total: int
    subtotal: int
    promo: str | None
    lines: list[tuple[int, int, int]]


@dataclass
class Changes:
    """What changed since the last drain, for the production database."""

    users: list[User] = field(default_factory=list)
    items: list[tuple[Item, int]] = field(default_factory=list)
    stock: list[tuple[Item, int]] = field(default_factory=list)
    cart_removed: list[tuple[str, int]] = field(default_factory=list)
    cart_rows: list[tuple[str, int, CartLine]] = field(default_factory=list)
    favorites_removed: list[tuple[int, int]] = field(default_factory=list)
    favorite_rows: list[tuple[int, int, int]] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)

    def __bool__(self) -> bool:
        """Whether anything changed."""
        return any((self.users, self.items, self.stock, self.cart_removed, self.favorites_removed,
                    self.orders))  # fmt: skip


class ShopState:
    """In-memory shop; every method that succeeds marks what it changed."""

    def __init__(
        self, items: list[Item], users: list[User], created_ms: int, first_order_id: int = 100_001
    ) -> None:
        self.items = items
        self.users = {user.id: user for user in users}
        self.carts: dict[str, dict[int, CartLine]] = {}
        self.favorites: dict[int, dict[int, int]] = {}
        self.next_user_id = max(self.users, default=0) + 1
        self.next_order_id = first_order_id
        self._dirty_users: set[int] = set(self.users)
        self._dirty_items: dict[int, int] = {item.id: created_ms for item in items}
        self._dirty_stock: dict[int, int] = {item.id: created_ms for item in items}
        self._dirty_cart: set[tuple[str, int]] = set()
        self._dirty_favorites: set[tuple[int, int]] = set()
        self._orders: list[Order] = []
        self.episodes = CartEpisodes()

    def item(self, item_id: int) -> Item | None:
        """The item with this id, or None when there is none."""
        return self.items[item_id - 1] if 0 < item_id <= len(self.items) else None

    # -- catalog changes ---------------------------------------------------------------------
    def mark_prices(self, items: list[Item], at_ms: int) -> None:
        """Record that these items' prices changed at `at_ms`."""
        for item in items:
            self._dirty_items[item.id] = at_ms

    def mark_stock(self, items: list[Item], at_ms: int) -> None:
        """Record that these items' stock changed at `at_ms`."""
        for item in items:
            self._dirty_stock[item.id] = at_ms

    # -- users -------------------------------------------------------------------------------
    def register(self, at_ms: int) -> User:
        """A new customer account."""
        user = User(self.next_user_id, f"user{self.next_user_id}@example.com", at_ms, at_ms)
        self.next_user_id += 1
        self.users[user.id] = user
        self._dirty_users.add(user.id)
        return user

    def login(self, user_id: int, at_ms: int) -> None:
        """Note a successful login."""
        self.users[user_id].last_login_ms = at_ms
        self._dirty_users.add(user_id)

    # -- carts -------------------------------------------------------------------------------
    def cart(self, cart_key: str) -> dict[int, CartLine]:
        """The lines of a cart (empty when none), by item id."""
        return self.carts.get(cart_key, {})

    def add_to_cart(
        self, cart_key: str, user_id: int | None, session_id: str, item: Item, qty: int, at_ms: int
    ) -> CartLine | None:
        """Add `qty` of an item; None (nothing changes) when the stock cannot cover the line."""
        lines = self.carts.setdefault(cart_key, {})
        line = lines.get(item.id)
        if (line.qty if line else 0) + qty > item.stock:
            return None
        if line is None:
            line = lines[item.id] = CartLine(user_id, session_id, qty, item.price, at_ms, at_ms)
        else:
            line.qty += qty
            line.updated_ms = at_ms
        self._dirty_cart.add((cart_key, item.id))
        self.episodes.changed(cart_key, at_ms, lines)
        return line

    def remove_from_cart(self, cart_key: str, item_id: int, at_ms: int) -> bool:
        """Drop a line at `at_ms`; False when it is not in the cart."""
        if not self._drop_line(cart_key, item_id):
            return False
        lines = self.cart(cart_key)
        if lines:
            self.episodes.changed(cart_key, at_ms, lines)
        else:
            self.episodes.emptied(cart_key, at_ms, ordered=False)
        return True

    def _drop_line(self, cart_key: str, item_id: int) -> bool:
        lines = self.carts.get(cart_key, {})
        if lines.pop(item_id, None) is None:
            return False
        self._dirty_cart.add((cart_key, item_id))
        return True

    def merge_cart(self, guest_key: str, user_key: str, user_id: int, at_ms: int) -> None:
        """Move a guest's cart into the user's cart (quantities add up) at `at_ms`."""
        guest_lines = self.carts.pop(guest_key, {})
        user_lines = self.carts.setdefault(user_key, {})
        for item_id, line in guest_lines.items():
            self._dirty_cart.add((guest_key, item_id))
            self._dirty_cart.add((user_key, item_id))
            existing = user_lines.get(item_id)
            if existing is None:
                line.user_id = user_id
                line.updated_ms = at_ms
                user_lines[item_id] = line
            else:
                existing.qty += line.qty
                existing.updated_ms = at_ms
        self.episodes.merged(guest_key, user_key, at_ms, user_lines)

    # -- favorites ---------------------------------------------------------------------------
    def add_favorite(self, user_id: int, item_id: int, at_ms: int) -> None:
        """Favorite an item (again is harmless)."""
        self.favorites.setdefault(user_id, {}).setdefault(item_id, at_ms)
        self._dirty_favorites.add((user_id, item_id))

    def remove_favorite(self, user_id: int, item_id: int) -> bool:
        """Unfavorite; False when it was not a favorite."""
        if self.favorites.get(user_id, {}).pop(item_id, None) is None:
            return False
        self._dirty_favorites.add((user_id, item_id))
        return True

    # -- orders ------------------------------------------------------------------------------
    def place_order(
        self,
        cart_key: str,
        user_id: int,
        session_id: str,
        lines: list[tuple[int, int, int]],
        promo: str | None,
        at_ms: int,
    ) -> Order | int:
        """Place an order of `(item_id, qty, price)` lines; the item id short of stock if any."""
        for item_id, qty, _ in lines:
            if self.items[item_id - 1].stock < qty:
                return item_id
        subtotal = sum(qty * price for _, qty, price in lines)
        discount = subtotal * PROMO_DISCOUNTS.get(promo or "", 0) // 100
        order = Order(
            self.next_order_id,
            user_id,
            session_id,
            at_ms,
            subtotal - discount,
            subtotal,
            promo,
            lines,
        )
        self.next_order_id += 1
        for item_id, qty, _ in lines:
            self.items[item_id - 1].stock -= qty
            self._dirty_stock[item_id] = at_ms
            self._drop_line(cart_key, item_id)
        if self.cart(cart_key):
            self.episodes.changed(cart_key, at_ms, self.cart(cart_key))
        else:
            self.episodes.emptied(cart_key, at_ms, ordered=True)
        self._orders.append(order)
        return order

    def drain(self) -> Changes:
        """Everything changed since the last drain, in a deterministic order."""
        changes = Changes()
        changes.users = [self.users[uid] for uid in sorted(self._dirty_users)]
        changes.items = [(self.items[i - 1], ms) for i, ms in sorted(self._dirty_items.items())]
        changes.stock = [(self.items[i - 1], ms) for i, ms in sorted(self._dirty_stock.items())]
        for cart_key, item_id in sorted(self._dirty_cart):
            changes.cart_removed.append((cart_key, item_id))
            line = self.carts.get(cart_key, {}).get(item_id)
            if line is not None:
                changes.cart_rows.append((cart_key, item_id, line))
        for user_id, item_id in sorted(self._dirty_favorites):
            changes.favorites_removed.append((user_id, item_id))
            added_ms = self.favorites.get(user_id, {}).get(item_id)
            if added_ms is not None:
                changes.favorite_rows.append((user_id, item_id, added_ms))
        changes.orders = self._orders
        self._orders = []
        self._dirty_users.clear()
        self._dirty_items.clear()
        self._dirty_stock.clear()
        self._dirty_cart.clear()
        self._dirty_favorites.clear()
        return changes
