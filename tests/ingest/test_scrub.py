"""Scrubbing rules, card masking and rejected payloads, with exact outputs."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from pathlib import Path

import orjson
import pytest
from prometheus_client import REGISTRY

from loupe.ingest.cards import luhn_valid, mask_cards
from loupe.ingest.client_ip import ClientIp
from loupe.ingest.hash_key import hash_key, key_from_file
from loupe.ingest.records import COLUMNS, Privacy, Rejection, decode_line, normalize
from loupe.ingest.scrub import Scrubber
from loupe.settings import Settings
from tests.helpers.calls import api_call

KEY = b"test-key-0123456789"
CARD = "4111111111111111"


def expected_hash(text: str, key: bytes = KEY) -> str:
    return "h:" + hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:32]


def scrubbed_count(rule: str, action: str) -> float:
    value = REGISTRY.get_sample_value(
        "loupe_ingest_scrubbed_total", {"rule": rule, "action": action}
    )
    return value or 0.0


def test_login_body_is_scrubbed_at_any_depth() -> None:
    scrubber = Scrubber(key=KEY)
    body = {
        "Email": "ann@example.com",
        "Password": "hunter2",
        "remember": True,
        "profile": {"contact": [{"phone": "+7 900 123-45-67", "name": "Ann"}]},
        "auth": {"access_token": "tok-abc", "API_KEY": "k-1"},
    }
    assert scrubber.scrub(body) == {
        "Email": expected_hash("ann@example.com"),
        "remember": True,
        "profile": {"contact": [{"phone": expected_hash("+7 900 123-45-67"), "name": "Ann"}]},
        "auth": {},
    }
    assert body["Password"] == "hunter2"  # the caller's dicts are not modified


def test_masks_and_card_numbers_wherever_they_appear() -> None:
    scrubber = Scrubber(key=KEY)
    body = {
        "payment": {"card_number": CARD, "cvv": "123", "iban": "DE89370400440532013000"},
        "note": "paid with 4111 1111 1111 1111, thanks",
        "ref": 5500000000000004,
        "ts": 1763640000000,  # 13 digits starting with 1: a time, not a card
        "order_id": "4111111111111112",  # fails the Luhn check
    }
    assert scrubber.scrub(body) == {
        "payment": {"card_number": "***", "iban": "***"},
        "note": "paid with ****1111, thanks",
        "ref": "****0004",
        "ts": 1763640000000,
        "order_id": "4111111111111112",
    }
    assert luhn_valid(CARD) and not luhn_valid("4111111111111112")
    assert mask_cards("5500-0000-0000-0004") == "****0004"


def test_the_keyed_hash_joins_across_calls_and_differs_under_another_key() -> None:
    first, again = Scrubber(key=KEY), Scrubber(key=KEY)
    other = Scrubber(key=b"another-key")
    email = {"email": "ann@example.com"}
    assert first.scrub(email) == again.scrub(email)
    assert first.scrub(email) != other.scrub(email)
    hashed = first.scrub(email)
    assert first.scrub(hashed) is hashed  # never hashed twice
    assert other.scrub(hashed) is hashed


def test_without_a_key_a_hash_rule_masks() -> None:
    assert Scrubber().scrub({"email": "ann@example.com", "phone": None}) == {
        "email": "***",
        "phone": None,
    }


def test_user_rules_come_first_and_keep_lifts_a_default() -> None:
    scrubber = Scrubber({"nickname": "hash", "*token*": "keep", "note?": "drop"}, key=KEY)
    assert scrubber.scrub(
        {"NickName": "ann", "csrf_token": "t", "note1": "x", "note12": "y", "password": "p"}
    ) == {"NickName": expected_hash("ann"), "csrf_token": "t", "note12": "y"}
    assert scrubber.scrub({"nickname": {"a": 1}})["nickname"] == expected_hash('{"a":1}')


def test_query_strings_of_endpoint_and_referer() -> None:
    scrubber = Scrubber(key=KEY)
    endpoint = "/api/v1/auth/login?email=ann%40example.com&password=hunter2&next=%2Fcart#top"
    assert scrubber.scrub_url(endpoint) == (
        f"/api/v1/auth/login?email={expected_hash('ann@example.com')}&next=%2Fcart#top"
    )
    referer = "https://shop.example/pay?card=4111+1111+1111+1111&cvc=999&Phone=%2B79001234567"
    assert scrubber.scrub_url(referer) == (
        f"https://shop.example/pay?card=****1111&Phone={expected_hash('+79001234567')}"
    )
    assert scrubber.scrub_url("/api/v1/cards/4111111111111111") == "/api/v1/cards/****1111"
    assert scrubber.scrub_url("/api/v1/orders?token=abc#pay") == "/api/v1/orders#pay"
    plain = "https://shop.example/catalog/rings?utm_source=newsletter"
    assert scrubber.scrub_url(plain) is plain


def test_normalize_scrubs_bodies_given_as_text_and_treats_the_ip() -> None:
    privacy = Privacy(Scrubber(key=KEY), ClientIp("truncate"))
    record = api_call(
        request=orjson.dumps({"password": "hunter2", "qty": 1}).decode(),
        endpoint="/api/v1/orders?token=abc",
        ip="198.51.100.77",
    )
    row = normalize(record, 0, 262_144, privacy=privacy)
    assert not isinstance(row, Rejection)
    assert row[8] == '{"qty":1}'
    assert (row[5], row[11]) == ("/api/v1/orders", "198.51.100.0")


def test_the_page_referrer_is_scrubbed_like_the_referer() -> None:
    """`page_referrer` (the page's document.referrer) is scrubbed on every path: the middleware's
    record, `normalize` and a rejected payload; UTM tags pass untouched."""
    privacy = Privacy(Scrubber(key=KEY), ClientIp("truncate"))
    leaky = "https://mail.example/read?email=ann%40example.com&token=s3cret&utm_source=mail"
    scrubbed = f"https://mail.example/read?email={expected_hash('ann@example.com')}&utm_source=mail"
    record = api_call(page_referrer=leaky)
    assert privacy.scrubber.scrub_record(record)["page_referrer"] == scrubbed
    row = normalize(record, 0, 262_144, privacy=privacy)
    assert not isinstance(row, Rejection)
    assert row[COLUMNS.index("page_referrer")] == scrubbed
    payload = privacy.payload(orjson.dumps({"ts": 1, "page_referrer": leaky}).decode(), 0)
    assert orjson.loads(payload)["page_referrer"] == scrubbed


def test_rejected_payloads_are_scrubbed() -> None:
    privacy = Privacy(Scrubber(key=KEY), ClientIp("truncate"))
    invalid = orjson.dumps(
        {"ts": 1, "request": {"password": "hunter2", "card": CARD}, "ip": "198.51.100.77"}
    )
    rejection = decode_line(invalid, 0, 262_144, privacy)
    assert isinstance(rejection, Rejection)
    assert orjson.loads(rejection.payload) == {
        "ts": 1,
        "request": {"card": "****1111"},
        "ip": "198.51.100.0",
    }
    broken = b'{"session_id": "s", "password": "hunter2", "pan": 4111111111111111, "x": '
    rejection = decode_line(broken, 0, 262_144, privacy)
    assert isinstance(rejection, Rejection) and rejection.reason == "not valid JSON"
    assert rejection.payload == '{"session_id": "s", "password": "***", "pan": "***", "x": '
    free_text = b"card 4111-1111-1111-1111 email: ann@example.com"
    assert decode_line(free_text, 0, 262_144, privacy).payload == (
        "card ****1111 email: ann@example.com"
    )
    rejection = normalize(["not", "a", "record", CARD], 0, 262_144, privacy=privacy)
    assert isinstance(rejection, Rejection)
    assert rejection.payload == '["not","a","record","****1111"]'


def test_scrubbing_is_counted_per_rule() -> None:
    before = scrubbed_count("*password*", "drop"), scrubbed_count("card-number", "mask")
    Scrubber(key=KEY).scrub({"password": "p", "x": [{"new_password": "q"}], "c": CARD})
    after = scrubbed_count("*password*", "drop"), scrubbed_count("card-number", "mask")
    assert (after[0] - before[0], after[1] - before[1]) == (2, 1)


def test_the_key_file_is_made_once_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "state" / "scrub-hash.key"
    key = key_from_file(path)
    assert len(key) == 64 and key_from_file(path) == key
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert list(path.parent.iterdir()) == [path]  # no temporary left
    settings = Settings(scrub_hash_key_file=path)
    assert hash_key(settings) == key
    assert hash_key(Settings(scrub_hash_key="set", scrub_hash_key_file=path)) == b"set"


def test_an_unknown_action_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown action"):
        Scrubber({"email": "encrypt"})  # type: ignore[dict-item]
