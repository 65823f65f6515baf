"""Client-IP modes: full, truncate (IPv4 /24, IPv6 /48), hash with a daily salt."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

import pytest

from loupe.ingest.client_ip import ClientIp, client_ip_from_settings, truncate
from loupe.settings import Settings

KEY = b"test-key-0123456789"
DAY_MS = 86_400_000
NOON = 1_763_640_000_000  # 2025-11-20 12:00 UTC


@pytest.mark.parametrize(
    ("ip", "kept"),
    [
        ("203.0.113.7", "203.0.113.0"),
        ("203.0.113.0", "203.0.113.0"),
        ("2001:db8:abcd:12:3456::1", "2001:db8:abcd::"),
        ("2001:DB8:ABCD::", "2001:db8:abcd::"),
        ("::ffff:198.51.100.9", "198.51.100.0"),
        ("::1", "::"),
        ("not an address", ""),
        ("1.2.3.400", ""),
        ("01.2.3.4", ""),
        ("203.0.113.7:8080", ""),
    ],
)
def test_truncate(ip: str, kept: str) -> None:
    assert truncate(ip) == kept
    assert ClientIp("truncate").apply(ip, NOON) == kept


def test_full_keeps_the_address() -> None:
    assert ClientIp("full").apply("203.0.113.7", NOON) == "203.0.113.7"


def test_hash_is_keyed_with_a_salt_of_the_utc_day() -> None:
    client_ip = ClientIp("hash", KEY)
    salt = hmac.new(KEY, b"client-ip:2025-11-20", hashlib.sha256).digest()
    packed = ipaddress.ip_address("203.0.113.7").packed
    expected = "h:" + hmac.new(salt, packed, hashlib.sha256).hexdigest()[:32]
    assert client_ip.apply("203.0.113.7", NOON) == expected
    # The same day joins; the next UTC day, another key or another address do not.
    assert client_ip.apply("203.0.113.7", NOON + DAY_MS // 2 - 1) == expected
    next_day = client_ip.apply("203.0.113.7", NOON + DAY_MS // 2)
    assert next_day.startswith("h:") and next_day != expected
    assert ClientIp("hash", b"other").apply("203.0.113.7", NOON) != expected
    assert client_ip.apply("203.0.113.8", NOON) != expected
    # An IPv4-mapped address is the IPv4 one; a hash is not hashed again.
    assert client_ip.apply("::ffff:203.0.113.7", NOON) == expected
    assert client_ip.apply(expected, NOON + 5 * DAY_MS) == expected


def test_hash_of_ipv6_and_of_text() -> None:
    client_ip = ClientIp("hash", KEY)
    first = client_ip.apply("2001:db8::1", NOON)
    assert first == client_ip.apply("2001:0db8:0000::0001", NOON)
    assert len(first) == 34 and first != client_ip.apply("2001:db8::2", NOON)
    assert client_ip.apply("unknown", NOON).startswith("h:")
    assert client_ip.apply("", NOON) == ""


def test_the_salt_is_not_the_key_and_rotates() -> None:
    client_ip = ClientIp("hash", KEY)
    days = {client_ip.daily_salt(f"2025-11-{day:02d}") for day in range(1, 31)}
    assert len(days) == 30 and KEY not in days


def test_settings_choose_the_mode(tmp_path: object) -> None:
    assert Settings().client_ip_mode == "truncate"  # the default keeps no full IP
    hashed = client_ip_from_settings(Settings(client_ip_mode="hash", scrub_hash_key="k"))
    assert hashed.mode == "hash" and hashed.apply("203.0.113.7", NOON).startswith("h:")
    assert client_ip_from_settings(Settings(client_ip_mode="full")).mode == "full"
    with pytest.raises(ValueError, match="needs a key"):
        ClientIp("hash")
