"""The shop's catalog: items over sections, materials, assays and stones, with log-normal prices.

Prices are whole currency units (roubles); an item on sale has an `old_price`. Between days the
shop reprices a few items and restocks the ones running low, so history snapshots of the
production database have something to track. Demand follows price: an item's weight in
visitors' picks and its chance of being put in the cart scale with `price_factor` (its first
price over its current one, to the power `ELASTICITY`), so a price cut draws more views and adds.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

SECTIONS: dict[str, tuple[str, int]] = {
    # section: (SKU prefix, median price of a gold item)
    "rings": ("RNG", 18_000),
    "earrings": ("EAR", 15_000),
    "pendants": ("PND", 9_000),
    "chains": ("CHN", 14_000),
    "bracelets": ("BRC", 16_000),
    "brooches": ("BRO", 7_000),
    "watches": ("WCH", 35_000),
    "accessories": ("ACC", 3_000),
}
SECTION_WEIGHTS = (0.24, 0.22, 0.14, 0.1, 0.1, 0.04, 0.08, 0.08)
# material: (weight, price factor, assays and their weights)
MATERIALS: dict[str, tuple[float, float, tuple[tuple[str, float], ...]]] = {
    "gold": (0.44, 1.0, (("585", 0.8), ("750", 0.2))),
    "silver": (0.34, 0.25, (("925", 1.0),)),
    "platinum": (0.03, 2.5, (("950", 1.0),)),
    "steel": (0.08, 0.2, ()),
    "ceramics": (0.04, 0.3, ()),
    "titanium": (0.03, 0.35, ()),
    "leather": (0.04, 0.15, ()),
}
# stone: (weight, price factor); "" is no stone.
STONES: dict[str, tuple[float, float]] = {
    "": (0.36, 1.0),
    "diamond": (0.14, 2.2),
    "cubic_zirconia": (0.2, 1.0),
    "sapphire": (0.05, 1.6),
    "ruby": (0.04, 1.7),
    "emerald": (0.04, 1.8),
    "topaz": (0.06, 1.2),
    "amethyst": (0.05, 1.15),
    "pearl": (0.06, 1.3),
}
MOTIFS = ("", "", "", "heart", "cross", "snake", "star", "flower", "infinity")
# How strongly demand answers price: a 20 % cut makes an item (1 / 0.8) ** 3 = 1.95 times as
# likely to be picked (and ranked higher in the `popular` sort) and put in the cart once viewed;
# a 10 % rise, 0.75 times.
ELASTICITY = 3.0


@dataclass(slots=True)
class Item:
    """One catalog item with its current price and stock (mutated as the run goes)."""

    id: int
    sku: str
    section: str
    material: str
    metal: str | None
    stone: str | None
    motif: str | None
    price: int
    old_price: int | None
    stock: int
    popularity: float
    # The price at the start of the run, which `price_factor` measures the current one against.
    first_price: int = 0

    def __post_init__(self) -> None:
        self.first_price = self.first_price or self.price

    @property
    def price_factor(self) -> float:
        """How much more (above 1) or less demand the item meets at its current price than at
        its first one: (first price / price) ** ELASTICITY; exactly 1.0 until it is repriced."""
        if self.price == self.first_price:
            return 1.0
        return (self.first_price / self.price) ** ELASTICITY

    @property
    def demand(self) -> float:
        """The item's weight when a visitor picks an item: popularity x price factor."""
        return self.popularity * self.price_factor


def _weighted(rng: random.Random, choices: list[str], weights: list[float]) -> str:
    return rng.choices(choices, weights=weights)[0]


def _shop_price(value: float) -> int:
    """Prices end in 90, as shops like them: 18 290, 2 490."""
    return max(490, int(value / 100) * 100 + 90)


def _initial_stock(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.05:
        return 0
    if roll < 0.3:
        return rng.randint(1, 3)
    if roll < 0.8:
        return rng.randint(4, 20)
    return rng.randint(21, 100)


def build_catalog(count: int, rng: random.Random) -> list[Item]:
    """`count` items with ids 1..count, drawn from `rng`."""
    sections = list(SECTIONS)
    materials = list(MATERIALS)
    material_weights = [spec[0] for spec in MATERIALS.values()]
    stones = list(STONES)
    stone_weights = [spec[0] for spec in STONES.values()]
    items = []
    for item_id in range(1, count + 1):
        section = _weighted(rng, sections, list(SECTION_WEIGHTS))
        material = _weighted(rng, materials, material_weights)
        if section == "watches" and material == "leather":
            material = "steel"
        _, material_factor, assays = MATERIALS[material]
        metal = _weighted(rng, [a for a, _ in assays], [w for _, w in assays]) if assays else None
        stone = _weighted(rng, stones, stone_weights)
        prefix, median = SECTIONS[section]
        raw_price = median * material_factor * STONES[stone][1] * rng.lognormvariate(0.0, 0.55)
        price = _shop_price(raw_price)
        old_price = _shop_price(price / (1 - rng.uniform(0.1, 0.4))) if rng.random() < 0.2 else None
        items.append(
            Item(
                id=item_id,
                sku=f"{prefix}-{item_id:06d}",
                section=section,
                material=material,
                metal=metal,
                stone=stone or None,
                motif=rng.choice(MOTIFS) or None,
                price=price,
                old_price=old_price,
                stock=_initial_stock(rng),
                popularity=rng.lognormvariate(0.0, 1.0),
            )
        )
    return items


def reprice(items: list[Item], rng: random.Random, share: float = 0.02) -> list[tuple[Item, int]]:
    """Change the price of about `share` of the items (sales start and end); return them with
    their price before (a small change may round to the same price)."""
    changed = []
    for item in items:
        if rng.random() >= share:
            continue
        before = item.price
        if item.old_price is not None and rng.random() < 0.5:
            item.price, item.old_price = item.old_price, None
        elif rng.random() < 0.5:
            item.old_price = item.old_price or item.price
            item.price = _shop_price(item.old_price * (1 - rng.uniform(0.1, 0.35)))
        else:
            item.price = _shop_price(item.price * math.exp(rng.uniform(-0.08, 0.12)))
        changed.append((item, before))
    return changed


def restock(items: list[Item], rng: random.Random) -> list[tuple[Item, int]]:
    """Refill items running low (and a few at random); return (item, units added)."""
    added = []
    for item in items:
        if (item.stock <= 2 and rng.random() < 0.6) or rng.random() < 0.005:
            units = rng.randint(3, 25)
            item.stock += units
            added.append((item, units))
    return added
