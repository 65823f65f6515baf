"""The erasure list as the ways in read it: records of erased persons are dropped, not stored.

`loupe forget` (loupe/privacy/) keeps, in `privacy.erased_keys`, the keyed hash of each erased
user id, session id and email hash (`hash_key.erased_hash`), never the raw value. `ErasedKeys`
answers whether a value is erased by hashing it under the same key: a record whose user or
session is erased, or whose body holds an erased email's hash (scrubbing put it there), is
dropped by the BatchWriter (`ErasureFilter`, refreshed from the warehouse every `REFRESH_S`
seconds, so a long-running collector follows a new erasure within that time) and counted in
`loupe_ingest_erased_total`. History's snapshots ask it about the production rows they stage.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable

from loupe import sqlfiles
from loupe.errors import LoupeError
from loupe.ingest import metrics
from loupe.ingest.hash_key import ERASED_KINDS, erased_hash
from loupe.warehouse import Warehouse

log = logging.getLogger("loupe.ingest")

REFRESH_S = 10.0
_BODY_HASH = re.compile(r"h:[0-9a-f]{32}")
_CACHE_LIMIT = 50_000
# Positions in a row of `records.COLUMNS`.
_SESSION, _USER, _REQUEST, _RESPONSE = 2, 3, 8, 9


class ErasedKeys:
    """The erasure list's hashes by kind, and the key that hashes values to compare."""

    def __init__(self, key: bytes | None, hashes: dict[str, set[str]] | None = None) -> None:
        self.key = key
        self.hashes = {kind: set((hashes or {}).get(kind, ())) for kind in ERASED_KINDS}
        if any(self.hashes.values()) and not key:
            raise LoupeError("the erasure list is not empty but no hash key was given to read it")
        self._seen: dict[tuple[str, str], bool] = {}

    @classmethod
    def load(cls, warehouse: Warehouse, key: bytes | None) -> ErasedKeys:
        """The list in the warehouse (empty before the migration that creates it)."""
        if not warehouse.scalar(
            sqlfiles.load("loupe", "table_exists"), {"d": "privacy", "n": "erased_keys"}
        ):
            return cls(key)
        hashes: dict[str, set[str]] = {}
        for row in warehouse.rows(sqlfiles.load("loupe.ingest", "erased_keys")):
            hashes.setdefault(row["kind"], set()).add(row["key_hash"])
        return cls(key, hashes)

    def __bool__(self) -> bool:
        return any(self.hashes.values())

    def erased(self, kind: str, value: object) -> bool:
        """Whether `value` (a user id, session id or email hash) is on the list as `kind`."""
        if not self.hashes[kind] or value in (None, 0, ""):
            return False
        text = str(value)
        known = self._seen.get((kind, text))
        if known is None:
            known = erased_hash(self.key or b"", kind, text) in self.hashes[kind]
            if len(self._seen) >= _CACHE_LIMIT:
                self._seen.clear()
            self._seen[(kind, text)] = known
        return known

    def in_text(self, text: str) -> bool:
        """Whether `text` (a body) holds the keyed hash of an erased email."""
        if not self.hashes["email"] or "h:" not in text:
            return False
        return any(self.erased("email", found) for found in _BODY_HASH.findall(text))

    def erased_values(self, kind: str, values: Iterable[object]) -> list:
        """Those of `values` that are erased as `kind`."""
        return [value for value in values if self.erased(kind, value)]

    def row(self, row: tuple) -> bool:
        """Whether a row of `pd.api_calls` (in `records.COLUMNS` order) is an erased person's."""
        return (
            self.erased("session", row[_SESSION])
            or self.erased("user", row[_USER])
            or self.in_text(row[_REQUEST])
            or self.in_text(row[_RESPONSE])
        )


class ErasureFilter:
    """Drops the rows of erased persons before a writer queues them (see the module)."""

    def __init__(self, load: Callable[[], ErasedKeys], refresh_s: float = REFRESH_S) -> None:
        self._load = load
        self._refresh_s = refresh_s
        self._keys: ErasedKeys | None = None
        self._loaded_at = 0.0
        self._lock = threading.Lock()

    def keys(self) -> ErasedKeys:
        """The list, reloaded when older than `refresh_s` (a failed reload keeps the last)."""
        with self._lock:
            if self._keys is None or time.monotonic() - self._loaded_at >= self._refresh_s:
                try:
                    self._keys = self._load()
                except LoupeError as exc:
                    if self._keys is None:
                        raise
                    log.warning("erasure list not refreshed: %s", exc)
                self._loaded_at = time.monotonic()
            return self._keys

    def keep(self, rows: list[tuple]) -> tuple[list[tuple], int]:
        """`rows` without those of erased persons, and how many were dropped."""
        keys = self.keys()
        if not keys or not rows:
            return rows, 0
        kept = [row for row in rows if not keys.row(row)]
        dropped = len(rows) - len(kept)
        if dropped:
            metrics.RECORDS_ERASED.inc(dropped)
        return kept, dropped
