"""dwh.search_queries: each distinct search query, normalised once in Python, so that the
searches people mean alike count together (`q_normalized` of dwh.catalog_sessions and
dwh.daily_search_stats).

Normalisation: case folded, `ё` read as `е`, punctuation read as a space, runs of spaces
collapsed, and each word stemmed with the Snowball stemmer of its script (Russian for Cyrillic
words, English for Latin ones; numbers and other words as they are). `Rings`, `ring` and ` ring?`
become `ring`; `кольца` and `кольцо` become `кольц`. Stemming is done here rather than in
ClickHouse: ClickHouse's `stem()` is experimental and chDB does not build it, while the
snowballstemmer package (pure Python, the Snowball project's own generated code) runs wherever
Loupe does, and only each new distinct query is stemmed (a few hundred a day).

Limits: misspellings stay apart (`earings` is not `earrings`); a stemmer cuts suffixes, it does
not know words, so a word may need an override (the Russian stemmer reads `фианит` as a verb and
cuts it to `фиан`, apart from `фианитами`: `STEM_OVERRIDES` keeps it whole); words of one root
but of another part of speech may stay apart (`серебро`, `серебряные`).
"""

# Russian words in strings and docstrings are intended.
# ruff: noqa: RUF001, RUF002

from __future__ import annotations

import re
from datetime import date
from functools import cache

import pyarrow as pa
import snowballstemmer

from loupe.jobs.registry import query
from loupe.warehouse import Warehouse

# Words whose Snowball stem would part them from their own inflections: kept whole.
STEM_OVERRIDES = {"фианит": "фианит"}

_PUNCTUATION = re.compile(r"[\W_]+")
_CYRILLIC = re.compile(r"[а-я]")
_LATIN = re.compile(r"[a-z]")
SCHEMA = pa.schema([("q", pa.string()), ("q_normalized", pa.string())])
NEW_QUERIES_SQL = query("new_search_queries")


@cache
def _stemmer(language: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer(language)


def _stem(word: str) -> str:
    if word in STEM_OVERRIDES:
        return STEM_OVERRIDES[word]
    if _CYRILLIC.search(word):
        return _stemmer("russian").stemWord(word)
    if _LATIN.search(word):
        return _stemmer("english").stemWord(word)
    return word


def normalize_query(q: str) -> str:
    """The form of a search query that its case, spacing, punctuation and inflection variants
    share."""
    words = _PUNCTUATION.sub(" ", q.casefold().replace("ё", "е")).split()
    return " ".join(_stem(word) for word in words)


def update_search_queries(warehouse: Warehouse, day: date) -> int:
    """Normalise the day's search queries that dwh.search_queries does not know yet (read from
    the day's parsed calls in etl.visit_calls); return how many were added."""
    found = warehouse.query(NEW_QUERIES_SQL, {"day": day}).column("q").to_pylist()
    if found:
        rows = [{"q": q, "q_normalized": normalize_query(q)} for q in found]
        warehouse.insert_arrow("dwh.search_queries", pa.Table.from_pylist(rows, schema=SCHEMA))
    return len(found)
