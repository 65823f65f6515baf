"""The key of the keyed hashes (`hash` scrubbing rules, `client_ip_mode=hash`).

`scrub_hash_key` when set; else a key generated once into `scrub_hash_key_file` (random, mode
0600) and read from then on, so a single process keeps its hashes stable across restarts without
any setup. Processes that must join their hashes (the shop's middleware, the collector, `loupe
ingest`) need the same key: set `scrub_hash_key` on all of them. The key is never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from loupe.settings import Settings

HASH_PREFIX = "h:"  # a keyed hash is `h:` and 32 hex digits: it is never hashed again
HASH_HEX_CHARS = 32
ERASED_KINDS = ("user", "session", "email")  # what the erasure list names (privacy/erasure.py)


def hash_key(settings: Settings) -> bytes:
    """The key of the hash rules: `scrub_hash_key`, else the one kept in `scrub_hash_key_file`
    (generated there once, random, readable by its owner only)."""
    secret = settings.scrub_hash_key.get_secret_value()
    if secret:
        return secret.encode()
    return key_from_file(settings.scrub_hash_key_file)


def key_from_file(path: Path) -> bytes:
    """The key kept in `path`, created (random, mode 0600) if absent. It is written to a
    temporary file and linked into place, so a process racing another reads a whole key."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_hex(32) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: its key is the key
        finally:
            temporary.unlink(missing_ok=True)
    key = path.read_text().strip()
    if not key:
        raise ValueError(f"{path}: the hash key file is empty")
    return key.encode()


def is_hashed(text: str) -> bool:
    """Whether `text` is already a keyed hash (`h:` and 32 hex digits)."""
    return (
        len(text) == len(HASH_PREFIX) + HASH_HEX_CHARS
        and text.startswith(HASH_PREFIX)
        and all(char in "0123456789abcdef" for char in text[2:])
    )


def keyed_hash(key: bytes, text: str) -> str:
    """`h:` and the first 32 hex digits of HMAC-SHA256 of `text` under `key`."""
    digest = hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
    return HASH_PREFIX + digest[:HASH_HEX_CHARS]


def normalise_email(text: str) -> str:
    """An email address as it is hashed: surrounding space stripped, lower-cased, so the
    scrubbing of `Ann@Shop.example ` and an erasure request for `ann@shop.example` agree."""
    return text.strip().lower()


def erased_hash(key: bytes, kind: str, value: str) -> str:
    """The erasure list's entry for a user id, a session id or an email's keyed hash (`kind`):
    the keyed hash of `kind:value`, which is found nowhere else in the warehouse."""
    if kind not in ERASED_KINDS:
        raise ValueError(f"unknown erased kind {kind!r}")
    return keyed_hash(key, f"erased-{kind}:{value}")
