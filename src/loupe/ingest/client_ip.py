"""What is kept of a record's client IP: `full`, `truncate` or `hash` (the `client_ip_mode`).

- `truncate`: the network, not the host: IPv4 to its /24 (`203.0.113.0`), IPv6 to its /48
  (`2001:db8:abcd::`); an IPv4-mapped IPv6 address is truncated as IPv4.
- `hash`: `h:` and 32 hex digits of HMAC-SHA256 keyed by a salt that changes every UTC day (the
  day of the call's `ts`), as Plausible counts visitors: the same address joins within a day and
  not across days. The salt is HMAC-SHA256 of the day under the `scrub_hash_key`, so without the
  key the hash cannot be recomputed by trying all 2^32 IPv4 addresses.
- `full`: the address as given.

Applied where records are received (the collector, `loupe ingest`, a writer into the warehouse),
never in the shop's middleware: the key stays out of the shop's process. Every mode is idempotent
(a truncated address truncates to itself; a hash is not hashed again), so a record that passes
twice (a shop's writer posting to the collector) comes out the same. Text that is not an IP
address is emptied by `truncate` and hashed by `hash`.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Literal

from loupe.ingest.hash_key import HASH_HEX_CHARS, HASH_PREFIX, hash_key, is_hashed

if TYPE_CHECKING:
    from loupe.settings import Settings

Mode = Literal["full", "truncate", "hash"]
IPV4_PREFIX = 24
IPV6_PREFIX = 48
_SALT_CACHE_DAYS = 8
DAY_MS = 86_400_000
_CACHE_LIMIT = 50_000  # addresses remembered by `apply`: a session's calls share one
_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(r"\.".join([_OCTET] * 4))


def truncate(ip: str) -> str:
    """The /24 (IPv4) or /48 (IPv6) network address of `ip`; empty when it is not an address."""
    match = _IPV4.fullmatch(ip)
    if match:  # dotted IPv4, the common case, without `ipaddress` (several times faster)
        return f"{match.group(1)}.{match.group(2)}.{match.group(3)}.0"
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    prefix = IPV4_PREFIX if address.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)


def utc_day(ts_ms: int) -> str:
    """The UTC day (`YYYY-MM-DD`) of an epoch-milliseconds time."""
    return datetime.fromtimestamp(ts_ms / 1000, timezone.utc).strftime("%Y-%m-%d")


class ClientIp:
    """The client-IP treatment of one mode (and, for `hash`, its key)."""

    def __init__(self, mode: Mode, key: bytes | None = None) -> None:
        if mode not in ("full", "truncate", "hash"):
            raise ValueError(f"unknown client_ip_mode {mode!r}")
        if mode == "hash" and not key:
            raise ValueError("client_ip_mode 'hash' needs a key")
        self.mode, self._key = mode, key or b""
        self._salts: dict[str, bytes] = {}
        self._kept: dict[tuple[str, int] | str, str] = {}

    def daily_salt(self, day: str) -> bytes:
        """The salt of a UTC day: HMAC-SHA256 of the day under the key."""
        salt = self._salts.get(day)
        if salt is None:
            if len(self._salts) >= _SALT_CACHE_DAYS:
                self._salts.clear()
            salt = hmac.new(self._key, f"client-ip:{day}".encode(), hashlib.sha256).digest()
            self._salts[day] = salt
        return salt

    def hash(self, ip: str, ts_ms: int) -> str:
        """`h:` and the hash of `ip` under the salt of the UTC day of `ts_ms`."""
        text = ip.strip()
        try:
            address = ipaddress.ip_address(text)
            if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
                address = address.ipv4_mapped
            data = address.packed
        except ValueError:
            data = text.encode()
        digest = hmac.new(self.daily_salt(utc_day(ts_ms)), data, hashlib.sha256).hexdigest()
        return HASH_PREFIX + digest[:HASH_HEX_CHARS]

    def apply(self, ip: str, ts_ms: int) -> str:
        """What is stored of `ip` for a call at `ts_ms` (remembered: addresses repeat)."""
        if not ip or self.mode == "full":
            return ip
        cache_key = ip if self.mode == "truncate" else (ip, ts_ms // DAY_MS)
        kept = self._kept.get(cache_key)
        if kept is None:
            if self.mode == "truncate":
                kept = truncate(ip)
            else:
                kept = ip if is_hashed(ip) else self.hash(ip, ts_ms)
            if len(self._kept) >= _CACHE_LIMIT:
                self._kept.clear()
            self._kept[cache_key] = kept
        return kept


def client_ip_from_settings(settings: Settings) -> ClientIp:
    """The treatment of the `client_ip_mode` setting (keyed like the hash rules)."""
    mode = settings.client_ip_mode
    return ClientIp(mode, hash_key(settings) if mode == "hash" else None)
