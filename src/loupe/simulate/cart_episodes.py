"""Cart episodes as the shop's state changes them: the ground truth of dwh.carts.

An episode of a cart starts when a line goes into the empty cart and ends when the cart is empty
again: `ordered` when an order took its last lines, `emptied` when a removal did. A guest cart
moved into the customer's cart at login goes on as the customer's episode: the customer's open
episode takes it up (starting at the earlier of the two starts), or the guest's episode carries
on under the customer's cart key. Each episode keeps its lines as they last stood with lines in
the cart (for an ended one, just before it became empty), with the price each line got when it
was first added.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from loupe.simulate.recorder import iso_ms


class _Line(Protocol):
    qty: int
    price: int


@dataclass
class Episode:
    """One cart episode; `status` is `open` until the cart is empty again."""

    cart_key: str
    start_ms: int
    last_changed_ms: int
    lines: dict[int, tuple[int, int]]  # item id -> (qty, price)
    status: str = "open"
    ended_ms: int | None = None
    # The guest carts (their session ids) the episode took up at a login or registration.
    guest_sessions: list[str] = field(default_factory=list)

    @property
    def user_id(self) -> int | None:
        """The customer whose cart it is (None for a guest's)."""
        return int(self.cart_key[2:]) if self.cart_key.startswith("u:") else None

    @property
    def value(self) -> int:
        """Sum of qty x price of its lines."""
        return sum(qty * price for qty, price in self.lines.values())

    def truth_row(self, zone: ZoneInfo) -> dict:
        """The episode as dwh.carts must find it (`carts.ndjson`); `status` is `open` for a cart
        still holding lines at the end of the run (the ETL tells `open` from `abandoned` by its
        idle time); `days_to_order` counts the local dates from start to order."""
        ordered_ms = self.ended_ms if self.status == "ordered" else None
        days_to_order = None
        if ordered_ms is not None:
            started = datetime.fromtimestamp(self.start_ms / 1000, zone).date()
            days_to_order = (datetime.fromtimestamp(ordered_ms / 1000, zone).date() - started).days
        return {
            "cart_key": self.cart_key,
            "user_id": self.user_id,
            "episode_start": iso_ms(self.start_ms),
            "last_changed_at": iso_ms(self.last_changed_ms),
            "status": self.status,
            "lines": len(self.lines),
            "units": sum(qty for qty, _ in self.lines.values()),
            "value": self.value,
            "line_items": sorted(self.lines.items()),
            "ordered_at": iso_ms(ordered_ms) if ordered_ms is not None else None,
            "days_to_order": days_to_order,
            "guest_sessions": self.guest_sessions,
        }


def _snapshot(lines: dict[int, _Line]) -> dict[int, tuple[int, int]]:
    return {item_id: (line.qty, line.price) for item_id, line in lines.items()}


class CartEpisodes:
    """The open and the ended episodes of every cart, told each change of a cart."""

    def __init__(self) -> None:
        self.open: dict[str, Episode] = {}
        self.ended: list[Episode] = []

    def changed(self, cart_key: str, at_ms: int, lines: dict[int, _Line]) -> None:
        """A cart with lines changed at `at_ms` (a line added or grown, or one removed while
        others stay): its episode starts if the cart was empty, and keeps the lines."""
        episode = self.open.get(cart_key)
        if episode is None:
            episode = self.open[cart_key] = Episode(cart_key, at_ms, at_ms, {})
        episode.last_changed_ms = at_ms
        episode.lines = _snapshot(lines)

    def emptied(self, cart_key: str, at_ms: int, ordered: bool) -> None:
        """The cart's last lines left at `at_ms`, taken by an order or removed."""
        episode = self.open.pop(cart_key, None)
        if episode is None:
            return
        episode.status = "ordered" if ordered else "emptied"
        episode.ended_ms = episode.last_changed_ms = at_ms
        self.ended.append(episode)

    def merged(self, guest_key: str, user_key: str, at_ms: int, lines: dict[int, _Line]) -> None:
        """The guest cart moved into the customer's cart at `at_ms`; `lines` are the
        customer's lines after the move."""
        guest = self.open.pop(guest_key, None)
        if guest is None:
            return
        episode = self.open.get(user_key)
        if episode is None:
            episode = self.open[user_key] = guest
            episode.cart_key = user_key
        else:
            episode.start_ms = min(episode.start_ms, guest.start_ms)
            episode.guest_sessions.extend(guest.guest_sessions)
        episode.guest_sessions.append(guest_key[2:])
        episode.last_changed_ms = at_ms
        episode.lines = _snapshot(lines)

    def all(self) -> list[Episode]:
        """Every episode, ended or open, by start time (then cart key)."""
        episodes = [*self.ended, *self.open.values()]
        return sorted(episodes, key=lambda episode: (episode.start_ms, episode.cart_key))
