"""Scrubbing personal data out of API-call records before they are queued or stored.

The keys of `request` and `response` at any depth, and the parameters of the query strings of
`endpoint`, `referer` and `page_referrer`, are matched case-insensitively against rules (glob
patterns: `*` is any run of characters, `?` one): the first rule that matches a key decides what
becomes of its value: `drop` (the key goes), `mask` (`***`), `hash` (`h:` and 32 hex digits of a
keyed HMAC-SHA256, so the same email joins across calls unreadable; a value holding `@` is hashed
as an email, stripped and lower-cased first, as `loupe forget --email` hashes it; never hashed
twice; without a key, it masks), or `keep` (to lift a default rule). Card-like numbers are masked
anywhere (loupe/ingest/cards.py).

One pass over the decoded JSON that copies only what changes; each scrubbed value is counted in
`loupe_ingest_scrubbed_total` by rule, never logged. Rejected payloads are scrubbed too
(`scrub_payload`). See docs/ingestion.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from itertools import chain
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote, unquote_plus

import orjson

from loupe.ingest import metrics
from loupe.ingest.cards import mask_card_int, mask_cards, may_hold_cards
from loupe.ingest.hash_key import hash_key, is_hashed, keyed_hash, normalise_email

if TYPE_CHECKING:
    from loupe.settings import Settings

Action = Literal["drop", "mask", "hash", "keep"]
MASK = "***"

# The safe default rules, checked after the user's `scrub_rules`. None of these keys is read by
# the ETL (src/loupe/jobs/shop_api.yaml), so its results do not change.
DEFAULT_RULES: tuple[tuple[str, Action], ...] = (
    ("*password*", "drop"),
    ("*passwd*", "drop"),
    ("pwd", "drop"),
    ("*secret*", "drop"),
    ("*token*", "drop"),
    ("authorization", "drop"),
    ("*api_key", "drop"),
    ("*apikey", "drop"),
    ("cookie", "drop"),
    ("cvv*", "drop"),
    ("cvc*", "drop"),
    ("*_cvv", "drop"),
    ("*_cvc", "drop"),
    ("security_code", "drop"),
    ("*card_number", "mask"),
    ("*cardnumber", "mask"),
    ("pan", "mask"),
    ("cc_num*", "mask"),
    ("iban", "mask"),
    ("*_iban", "mask"),
    ("*email", "hash"),
    ("*e-mail", "hash"),
    ("*email_address", "hash"),
    ("*emailaddress", "hash"),
    ("*phone", "hash"),
    ("*phone_number", "hash"),
    ("*phonenumber", "hash"),
    ("mobile", "hash"),
    ("telephone", "hash"),
)

URL_FIELDS = ("endpoint", "referer", "page_referrer")  # whose query strings are scrubbed
_DROP = object()  # what a `drop` rule returns: the key goes
_UNSEEN = object()  # a key not in the cache yet
_CONTAINERS = frozenset((dict, list))
_DICT_ONLY = {dict}
_CACHE_LIMIT = 50_000  # distinct keys remembered; a flood of random keys only clears it
_CARD_INT_MIN = 2 * 10**12  # integers that may be card numbers: 13-19 digits, starting 2-6
_CARD_INT_MAX = 7 * 10**18
_RAW_PAIR = re.compile(
    r'"((?:[^"\\]|\\.){1,200})"(\s*:\s*)("(?:[^"\\]|\\.)*"?|[-+0-9A-Za-z_.]+)', re.DOTALL
)


def _glob(pattern: str) -> str:
    """A glob pattern as a regular expression (the key must match it whole)."""
    return "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )


class Rule:
    """One key pattern and its action, with its counter bound once."""

    __slots__ = ("action", "counter", "pattern", "regex")

    def __init__(self, pattern: str, action: Action) -> None:
        if action not in ("drop", "mask", "hash", "keep"):
            raise ValueError(f"scrub rule {pattern!r}: unknown action {action!r}")
        self.pattern, self.action = pattern, action
        self.regex = re.compile(_glob(pattern), re.IGNORECASE | re.DOTALL)
        self.counter = metrics.SCRUBBED.labels(rule=pattern, action=action)


class Scrubber:
    """Applies the rules (the user's first, then `DEFAULT_RULES`) to records and payloads."""

    def __init__(
        self,
        rules: Mapping[str, Action] | Iterable[tuple[str, Action]] = (),
        key: bytes | None = None,
        defaults: bool = True,
    ) -> None:
        pairs = list(rules.items() if isinstance(rules, Mapping) else rules)
        if defaults:
            pairs += DEFAULT_RULES
        self.rules = [Rule(pattern, action) for pattern, action in pairs]
        self.key = key or None
        self._cache: dict[Any, Rule | None] = {}
        self._plain: set[Any] = set()  # keys seen that no rule matches
        self._clean_urls: set[str] = set()  # URLs seen that scrubbing leaves as they are

    @classmethod
    def from_settings(cls, settings: Settings) -> Scrubber:
        """The scrubber of the `scrub_rules` setting, keyed by `hash_key(settings)`."""
        return cls(settings.scrub_rules, hash_key(settings))

    def scrub_encoded(self, value: Any, data: bytes) -> Any:
        """`value` scrubbed, knowing `data`, its compact JSON: when no run of 13 digits shows in
        it (a C-speed test: digits become `0`, spaces and dashes go), no value can look like a
        card number, and only the keys are walked."""
        if may_hold_cards(data):
            return self.scrub(value)
        return self._scrub_keys(value)

    def _scrub_keys(self, value: Any) -> Any:
        """`scrub` for a value without card-like numbers: the rules of the keys only. A dict
        whose keys are all known to be plain and holds no container is passed in one test."""
        if value.__class__ is list:
            types = set(map(type, value))
            if _CONTAINERS.isdisjoint(types):  # in C: a list of scalars
                return value
            if (
                types == _DICT_ONLY  # in C: a list of dicts with plain keys and scalar values
                and self._plain.issuperset(chain.from_iterable(value))
                and _CONTAINERS.isdisjoint(map(type, chain.from_iterable(map(dict.values, value))))
            ):
                return value
            items = None
            for index, item in enumerate(value):
                if item.__class__ is dict or item.__class__ is list:
                    new = self._scrub_keys(item)
                    if new is not item:
                        if items is None:
                            items = list(value)
                        items[index] = new
            return value if items is None else items
        if value.__class__ is not dict:
            return value
        plain = value.keys() <= self._plain
        if plain and _CONTAINERS.isdisjoint(map(type, value.values())):
            return value  # in C: plain keys, scalar values
        copy = None
        cache_get, known = self._cache.get, self._plain
        for key, item in value.items():
            rule = None if plain else cache_get(key, _UNSEEN)
            if rule is _UNSEEN:
                rule = self.rule_for(key)
            if rule is not None:
                new = self._apply(rule, item)
            elif item.__class__ is dict:  # the one-test cases inline: no call
                if item.keys() <= known and _CONTAINERS.isdisjoint(map(type, item.values())):
                    continue
                new = self._scrub_keys(item)
            elif item.__class__ is list:
                if _CONTAINERS.isdisjoint(map(type, item)):
                    continue
                new = self._scrub_keys(item)
            else:
                continue
            if new is not item:
                if copy is None:
                    copy = dict(value)
                if new is _DROP:
                    del copy[key]
                else:
                    copy[key] = new
        return value if copy is None else copy

    def rule_for(self, key: Any) -> Rule | None:
        """The first rule matching `key` (None for none, or for a `keep` rule)."""
        try:
            return self._cache[key]
        except KeyError:
            pass
        text = key if key.__class__ is str else str(key)
        found = next((rule for rule in self.rules if rule.regex.fullmatch(text)), None)
        if found is not None and found.action == "keep":
            found = None
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
            self._plain.clear()
        self._cache[key] = found
        if found is None:
            self._plain.add(key)
        return found

    def hash_text(self, text: str) -> str:
        """`h:` and the keyed hash of `text` (a value already hashed comes back as it is); an
        email (text holding `@`) is normalised first (`normalise_email`)."""
        if is_hashed(text):
            return text
        if "@" in text:
            text = normalise_email(text)
        return keyed_hash(self.key or b"", text)

    def _apply(self, rule: Rule, value: Any) -> Any:
        action = rule.action
        if action == "drop":
            rule.counter.inc()
            return _DROP
        if action == "hash" and self.key is not None:
            if value.__class__ is str:
                if is_hashed(value):
                    return value
                hashed = self.hash_text(value)
            elif value is None:
                return None
            else:
                hashed = self.hash_text(orjson.dumps(value).decode())
            rule.counter.inc()
            return hashed
        if value == MASK or value is None:
            return value
        rule.counter.inc()
        return MASK

    def scrub(self, value: Any) -> Any:
        """`value` with the rules applied at any depth: the same object when nothing changed.

        Written flat on purpose (it sees every key of every record): scalars are checked in
        the loop, only dicts and lists recurse, and a key's rule is one dict lookup once seen.
        """
        cls = value.__class__
        if cls is dict:
            copy = None
            cache_get = self._cache.get
            for key, item in value.items():
                rule = cache_get(key, _UNSEEN)
                if rule is _UNSEEN:
                    rule = self.rule_for(key)
                if rule is not None:
                    new = self._apply(rule, item)
                else:
                    item_cls = item.__class__
                    if item_cls is dict or item_cls is list:
                        new = self.scrub(item)
                    elif item_cls is str:
                        if len(item) < 13:
                            continue
                        new = mask_cards(item)
                    elif item_cls is int and _CARD_INT_MIN <= item < _CARD_INT_MAX:
                        new = mask_card_int(item)
                    else:
                        continue
                if new is not item:
                    if copy is None:
                        copy = dict(value)
                    if new is _DROP:
                        del copy[key]
                    else:
                        copy[key] = new
            return value if copy is None else copy
        if cls is list:
            items = None
            scrub = self.scrub
            for index, item in enumerate(value):
                item_cls = item.__class__
                if item_cls is dict or item_cls is list:
                    new = scrub(item)
                elif item_cls is str:
                    if len(item) < 13:
                        continue
                    new = mask_cards(item)
                elif item_cls is int and _CARD_INT_MIN <= item < _CARD_INT_MAX:
                    new = mask_card_int(item)
                else:
                    continue
                if new is not item:
                    if items is None:
                        items = list(value)
                    items[index] = new
            return value if items is None else items
        if cls is str:
            return mask_cards(value) if len(value) >= 13 else value
        if cls is int and _CARD_INT_MIN <= value < _CARD_INT_MAX:
            return mask_card_int(value)
        return value

    def scrub_url(self, url: str) -> str:
        """An endpoint or a referrer with its query parameters scrubbed and card numbers masked.

        URLs that come out unchanged are remembered (a shop has few), so most are one lookup;
        those that change are never kept.
        """
        if url in self._clean_urls:
            return url
        scrubbed = self._scrub_url(url)
        if scrubbed is url:
            if len(self._clean_urls) >= _CACHE_LIMIT:
                self._clean_urls.clear()
            self._clean_urls.add(url)
        return scrubbed

    def _scrub_url(self, url: str) -> str:
        base, question, rest = url.partition("?")
        if not question:
            masked = mask_cards(url)
            return url if masked == url else masked
        base = mask_cards(base)
        query, hash_sign, fragment = rest.partition("#")
        parts = []
        for part in query.split("&"):
            name, equals, raw = part.partition("=")
            rule = self.rule_for(unquote_plus(name)) if name else None
            if rule is not None:
                new = self._apply(rule, unquote_plus(raw))
                if new is _DROP:
                    continue
                part = f"{name}={quote(new, safe=':*')}"
            elif len(raw) >= 13:
                value = unquote_plus(raw)
                masked = mask_cards(value)
                if masked != value:
                    part = f"{name}{equals}{quote(masked, safe='*')}"
            parts.append(part)
        query = f"?{'&'.join(parts)}" if parts or not query else ""  # all dropped: no `?`
        scrubbed = f"{base}{query}{hash_sign}{mask_cards(fragment)}"
        return url if scrubbed == url else scrubbed

    def scrub_record(self, record: dict) -> dict:
        """A record with `request`, `response` and the URLs of `URL_FIELDS` scrubbed (a copy
        when anything changed; the caller's dicts are never modified)."""
        copy = None
        for field in ("request", "response"):
            value = record.get(field)
            if value.__class__ is dict:
                new = self.scrub(value)
                if new is not value:
                    copy = copy or dict(record)
                    copy[field] = new
        for field in URL_FIELDS:
            value = record.get(field)
            if value.__class__ is str and value:
                new = self.scrub_url(value)
                if new != value:
                    copy = copy or dict(record)
                    copy[field] = new
        return record if copy is None else copy

    def scrub_payload(self, text: str, treat_ip: Callable[[str], str] | None = None) -> str:
        """A rejected payload scrubbed: by the rules at any depth when it parses as JSON (and
        its `ip` treated), else by `scrub_text` on the raw text. Text without a string nor a
        long number (`1`, `{}`, deep brackets: the bulk of hostile bodies) is returned at once."""
        if '"' not in text and (len(text) < 13 or not may_hold_cards(text.encode())):
            return text
        try:
            value = orjson.loads(text)
            scrubbed = self.scrub(value)
            if scrubbed.__class__ is dict:
                fields = {}
                for field in URL_FIELDS:
                    if scrubbed.get(field).__class__ is str:
                        fields[field] = self.scrub_url(scrubbed[field])
                if treat_ip is not None and scrubbed.get("ip").__class__ is str:
                    fields["ip"] = treat_ip(scrubbed["ip"])
                if any(scrubbed[field] != new for field, new in fields.items()):
                    scrubbed = {**scrubbed, **fields}
            # Unchanged, the payload stays as it came (and no second copy is made).
            return text if scrubbed is value else orjson.dumps(scrubbed).decode()
        except Exception:  # not JSON, or too deep: the raw text
            return self.scrub_text(text)

    def scrub_text(self, text: str) -> str:
        """Raw text that is not JSON: `"key": value` pairs whose key matches a rule get `***`
        (or the hash), and card-like numbers are masked."""

        def pair(match: re.Match[str]) -> str:
            rule = self.rule_for(match.group(1))
            if rule is None:
                return match.group()
            value = match.group(3)
            value = value[1:-1] if value.startswith('"') and value.endswith('"') else value
            new = self._apply(rule, value)
            new = MASK if new is _DROP else new
            return f'"{match.group(1)}"{match.group(2)}"{new}"'

        return mask_cards(_RAW_PAIR.sub(pair, text))
