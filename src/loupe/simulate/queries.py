"""Search: the words the shop understands (English and Russian), and what visitors type.

A query is normalized (trimmed, lower case, whitespace runs collapsed), split into words
(punctuation separates words too), and each word maps to an item attribute; a word the shop
does not know (an untolerated typo, a product the shop does not sell) makes the search return
zero results. Some common typos are understood.
"""

# The vocabulary is Russian as well as English, so Cyrillic letters in strings are intended.
# ruff: noqa: RUF001

from __future__ import annotations

import random
import re

from loupe.simulate.catalog import Item

# word: (attribute, value). Attributes: section, material, metal, stone, motif.
_WORDS: dict[str, tuple[str, str]] = {}
# What a visitor writes for an attribute value: English forms first, then Russian.
_FORMS: dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]] = {
    ("section", "rings"): (("ring", "rings"), ("кольцо", "кольца")),
    ("section", "earrings"): (("earrings",), ("серьги",)),
    ("section", "pendants"): (("pendant",), ("подвеска", "кулон")),
    ("section", "chains"): (("chain",), ("цепочка", "цепь")),
    ("section", "bracelets"): (("bracelet",), ("браслет",)),
    ("section", "brooches"): (("brooch",), ("брошь",)),
    ("section", "watches"): (("watch", "watches"), ("часы",)),
    ("section", "accessories"): (("accessories",), ("аксессуары",)),
    ("material", "gold"): (("gold",), ("золото", "золотое", "золотые")),
    ("material", "silver"): (("silver",), ("серебро", "серебряные")),
    ("material", "platinum"): (("platinum",), ("платина",)),
    ("material", "steel"): (("steel",), ("сталь",)),
    ("material", "ceramics"): (("ceramic",), ("керамика",)),
    ("material", "titanium"): (("titanium",), ("титан",)),
    ("material", "leather"): (("leather",), ("кожа",)),
    ("stone", "diamond"): (("diamond", "diamonds"), ("бриллиант", "бриллиантами")),
    ("stone", "cubic_zirconia"): (("zirconia",), ("фианит", "фианитами")),
    ("stone", "sapphire"): (("sapphire",), ("сапфир",)),
    ("stone", "ruby"): (("ruby",), ("рубин",)),
    ("stone", "emerald"): (("emerald",), ("изумруд",)),
    ("stone", "topaz"): (("topaz",), ("топаз",)),
    ("stone", "amethyst"): (("amethyst",), ("аметист",)),
    ("stone", "pearl"): (("pearl", "pearls"), ("жемчуг",)),
    ("motif", "heart"): (("heart",), ("сердце",)),
    ("motif", "cross"): (("cross",), ("крест",)),
    ("motif", "snake"): (("snake",), ("змея",)),
    ("motif", "star"): (("star",), ("звезда",)),
    ("motif", "flower"): (("flower",), ("цветок",)),
    ("motif", "infinity"): (("infinity",), ("бесконечность",)),
}
for _key, (_english, _russian) in _FORMS.items():
    for _word in _english + _russian:
        _WORDS[_word] = _key
for _assay in ("585", "750", "925", "950"):
    _WORDS[_assay] = ("metal", _assay)
# Typos the shop's search understands ...
_TOLERATED_TYPOS = {
    "earings": "earrings",
    "braclet": "bracelet",
    "dimond": "diamond",
    "pendent": "pendant",
    "серги": "серьги",
    "колцо": "кольцо",
    "брилиант": "бриллиант",
}
for _typo, _word in _TOLERATED_TYPOS.items():
    _WORDS[_typo] = _WORDS[_word]
# ... and ones it does not (zero results), with things the shop does not sell.
_UNKNOWN_TYPOS = {
    "sapphier": "sapphire",
    "golld": "gold",
    "изумрут": "изумруд",
    "цепочька": "цепочка",
}
# Forms that are inflections of another form of the same word: what a visitor means by them.
_INFLECTIONS = {
    "rings": "ring",
    "watches": "watch",
    "diamonds": "diamond",
    "pearls": "pearl",
    "кольца": "кольцо",
    "золотые": "золотое",
    "бриллиантами": "бриллиант",
    "фианитами": "фианит",
}
_PUNCTUATION = re.compile(r"[^\w\s]")
_NOT_SOLD = ("dress", "sneakers", "iphone case", "платье", "кроссовки", "духи", "perfume")
_STOP_WORDS = frozenset({"with", "and", "for", "the", "women", "men", "с", "и", "для", "из"})
_CONNECTORS = {True: ("с", "для", "из"), False: ("with", "for")}

Constraint = dict[str, str]


def normalize_query(q: str) -> str:
    """Trimmed, lower case, runs of whitespace collapsed to one space."""
    return " ".join(q.split()).lower()


def _words(q: str) -> list[str]:
    return normalize_query(_PUNCTUATION.sub(" ", q)).split(" ")


def intended_query(q: str) -> tuple[str, bool]:
    """What a visitor meant by a query: its words in lower case without punctuation, each
    inflected form as its base form, typos corrected; and whether it had a typo."""
    typos = {**_TOLERATED_TYPOS, **_UNKNOWN_TYPOS}
    known = {*_WORDS, *_STOP_WORDS, *(w for phrase in _NOT_SOLD for w in phrase.split())}
    meant, has_typo = [], False
    for word in _words(q):
        if word in typos:
            word, has_typo = typos[word], True
        elif word not in known:
            has_typo = True
        meant.append(_INFLECTIONS.get(word, word))
    return " ".join(meant), has_typo


def resolve_query(q: str) -> Constraint | None:
    """The attribute constraints of a query, or None when a word is unknown (zero results)."""
    constraints: Constraint = {}
    for word in _words(q):
        if not word or word in _STOP_WORDS:
            continue
        meaning = _WORDS.get(word)
        if meaning is None:
            return None
        attribute, value = meaning
        if constraints.setdefault(attribute, value) != value:
            return None
    return constraints


def _render(rng: random.Random, attribute: str, value: str, cyrillic: bool) -> str:
    if attribute == "metal":
        return value
    english, russian = _FORMS[(attribute, value)]
    return rng.choice(russian if cyrillic else english)


def _attributes_of(item: Item) -> list[tuple[str, str]]:
    found = [("section", item.section), ("material", item.material)]
    if item.stone:
        found.append(("stone", item.stone))
    if item.motif:
        found.append(("motif", item.motif))
    if item.metal:
        found.append(("metal", item.metal))
    return found


def _misspell(rng: random.Random, words: list[str]) -> None:
    """Swap in a typo, understood by the shop or not."""
    for index, word in enumerate(words):
        for typo, correct in (*_TOLERATED_TYPOS.items(), *_UNKNOWN_TYPOS.items()):
            if word == correct:
                words[index] = typo
                return
    position = rng.randrange(len(words))
    word = words[position]
    if len(word) > 4:
        cut = rng.randrange(1, len(word) - 1)
        words[position] = word[:cut] + word[cut + 1 :]


def query_for(item: Item, rng: random.Random) -> str:
    """What a visitor types to find something like `item`: words, case, spaces, typos vary."""
    roll = rng.random()
    if roll < 0.04:
        return rng.choice(_NOT_SOLD)
    cyrillic = rng.random() < 0.45
    attributes = _attributes_of(item)
    rng.shuffle(attributes)
    chosen = [("section", item.section)] + [a for a in attributes if a[0] != "section"]
    words = [_render(rng, attr, value, cyrillic) for attr, value in chosen[: rng.randint(1, 3)]]
    if len(words) > 1 and rng.random() < 0.5:
        words.reverse()
    if len(words) > 1 and rng.random() < 0.2:
        words.insert(1, rng.choice(_CONNECTORS[cyrillic]))
    if rng.random() < 0.1:
        _misspell(rng, words)
    text = " ".join(words)
    if len(words) > 1 and rng.random() < 0.03:
        text = text.replace(" ", ", ", 1)
    if rng.random() < 0.05:
        text += rng.choice("?!.")
    roll = rng.random()
    if roll < 0.1:
        text = text.title()
    elif roll < 0.13:
        text = text.upper()
    roll = rng.random()
    if roll < 0.08:
        text = f"  {text} "
    elif roll < 0.14:
        text = text.replace(" ", "   ", 1)
    return text


def suggestions_for(prefix: str, vocabulary: list[str]) -> list[str]:
    """Up to 8 known phrases starting with the typed prefix."""
    start = normalize_query(prefix)
    if not start:
        return []
    return [phrase for phrase in vocabulary if phrase.startswith(start)][:8]


def suggestion_vocabulary() -> list[str]:
    """The phrases the suggest endpoint offers, in a fixed order."""
    phrases = set()
    for (attribute, _), (english, russian) in _FORMS.items():
        if attribute in ("section", "material", "stone"):
            phrases.update(english + russian)
    for material in ("gold", "silver"):
        for section in ("ring", "earrings", "chain", "bracelet", "pendant"):
            phrases.add(f"{material} {section}")
    phrases.update(("золотое кольцо", "золотые серьги", "серебряные серьги"))
    return sorted(phrases)


class Suggestions:
    """The suggest endpoint's answers: the phrases of `suggestion_vocabulary` that start with a
    typed prefix, cached per prefix (visitors type the same few prefixes over and over)."""

    def __init__(self) -> None:
        self.vocabulary = suggestion_vocabulary()
        self._cache: dict[str, list[str]] = {}

    def for_prefix(self, prefix: str) -> list[str]:
        """Up to 8 phrases for `prefix` (the same list object for the same prefix)."""
        found = self._cache.get(prefix)
        if found is None:
            found = self._cache[prefix] = suggestions_for(prefix, self.vocabulary)
        return found
