"""Device Detector's device lookup, with an index over its brand regexes and no client parse.

Device Detector (`device_detector`) finds a device by trying its brand regexes (about 2,000, from
Matomo's `mobiles.yml`) one after the other until one matches: about 7 ms of the 10 ms it takes
for an Android agent. Each regex can only match where one of the literal strings it starts with
occurs in the agent (`SM-`, `Pixel`, `Redmi`...). `_BrandIndex` reads those strings out of each
regex once per process (Python's regex parser), and an Aho-Corasick automaton over all of them
gives, for an agent, the brands that could match; the lookup then tries only those, in their
order. A regex whose start cannot be read as literals is always tried, so the first brand that
matches, and therefore the device found, is the same as without the index.

With a `Sec-CH-UA-Model` hint Device Detector also matches the model against every brand's model
regexes; that lookup keeps the whole list.

The device does not depend on the client (browser or app) that Device Detector parses too, about
2 ms an agent, except for the TV browsers and apps (`TV_CLIENTS`), which make it a TV:
`DeviceLookup` parses the client only when one of their regexes or names is in the agent.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import ahocorasick_rs
from device_detector import DeviceDetector
from device_detector.parser.device import device as dd_device
from device_detector.parser.settings import TV_CLIENTS
from device_detector.settings import BOUNDED_REGEX

try:  # Python 3.11+
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # Python 3.10
    import sre_parse  # type: ignore[no-redef]

_BOUND_HEAD, _, _BOUND_TAIL = BOUNDED_REGEX.partition("{}")
_MAX_HEADS = 64  # literal starts kept per regex; more alternatives stop the reading
_ENOUGH = 3  # characters of a literal start that make it selective enough
# TV clients, by name, for those Device Detector names from a name/version pair, not a regex.
_TV_CLIENT_NAMES = tuple(
    {name.lower() for name in TV_CLIENTS} | {name.lower().replace(" ", "") for name in TV_CLIENTS}
)


def _starts(items: Any) -> tuple[set[str], bool] | None:
    """The literal strings a match of the parsed pattern `items` must start with (lower case),
    and whether they are its whole matches; None when the start is not literal."""
    heads, whole = {""}, True
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            heads = {head + chr(av).lower() for head in heads}
            continue
        if name in ("ASSERT", "ASSERT_NOT"):
            continue  # zero-width: the literals after it start the match
        if name == "SUBPATTERN":
            inner = _starts(av[-1])
        elif name == "BRANCH":
            branches = [_starts(branch) for branch in av[1]]
            inner = None
            if all(branch is not None for branch in branches):
                inner = (
                    {head for found, _ in branches for head in found},
                    all(done for _, done in branches),
                )
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") and av[0] >= 1:
            found = _starts(av[2])
            inner = None if found is None else (found[0], found[1] and av[0] == av[1] == 1)
        else:
            inner = None
        if inner is None or "" in inner[0] or len(heads) * len(inner[0]) > _MAX_HEADS:
            whole = False
            break
        heads = {head + tail for head in heads for tail in inner[0]}
        if not inner[1]:
            whole = False
            break
        if min(len(head) for head in heads) >= _ENOUGH:
            whole = False
            break
    if "" in heads:
        return None
    return heads, whole


def _heads(pattern: str) -> set[str] | None:
    """The literal starts of a bounded brand regex; None when it has none or `re` cannot read
    it (a construct of the `regex` module only)."""
    if not (pattern.startswith(_BOUND_HEAD) and pattern.endswith(_BOUND_TAIL)):
        return None
    try:
        found = _starts(sre_parse.parse(pattern[len(_BOUND_HEAD) : -len(_BOUND_TAIL)]))
    except (re.error, OverflowError, RecursionError):
        return None
    return found[0] if found else None


class _BrandIndex:
    """For an agent, the brand regexes of a list that can match it, in the list's order."""

    def __init__(self, entries: list[dict[str, Any]]) -> None:
        self.entries = entries
        self.always: list[int] = []
        words: dict[str, list[int]] = {}
        for at, entry in enumerate(entries):
            # The pattern as written, read without compiling it (Device Detector compiles lazily).
            heads = _heads(object.__getattribute__(entry["regex"], "pattern"))
            if not heads:
                self.always.append(at)
                continue
            for head in heads:
                words.setdefault(head, []).append(at)
        self.words = list(words)
        self.owners = [words[word] for word in self.words]
        self.automaton = ahocorasick_rs.AhoCorasick(self.words)

    def candidates(self, user_agent: str) -> list[dict[str, Any]]:
        """The entries whose regex can match `user_agent`, in the list's order."""
        found = set(self.always)
        for word, _, _ in self.automaton.find_matches_as_indexes(
            user_agent.lower(), overlapping=True
        ):
            found.update(self.owners[word])
        return [self.entries[at] for at in sorted(found)]


@cache
def _index() -> _BrandIndex:
    return _BrandIndex(dd_device.Device("", None).regex_list)


class Device(dd_device.Device):
    """Device Detector's last device parser, trying only the brands the index finds. (Its name
    is the parent's: Device Detector picks its own keyword list by the class name.)"""

    __slots__ = ()

    @property
    def regex_list(self) -> list[dict[str, Any]]:
        if self.client_hints and self.client_hints.model:
            return super().regex_list
        return _index().candidates(self.user_agent)


@cache
def _tv_client_regexes() -> list[Any]:
    """Device Detector's client regexes that name a TV browser or app (`TV_CLIENTS`)."""
    return [
        entry["regex"]
        for parser in DeviceDetector.CLIENT_PARSERS
        for entry in parser("", None).regex_list
        if entry.get("name") in TV_CLIENTS
    ]


def _may_be_tv_client(user_agent: str) -> bool:
    lower = user_agent.lower()
    return any(name in lower for name in _TV_CLIENT_NAMES) or any(
        regex.search(user_agent) for regex in _tv_client_regexes()
    )


class DeviceLookup(DeviceDetector):
    """Device Detector for the device alone: the indexed brand lookup, and no client parse
    (browser or app) unless the client can change the device (a TV browser makes the device a
    TV) or client hints came with the agent. Same device as Device Detector's, in about a third
    of the time."""

    __slots__ = ()
    DEVICE_PARSERS = tuple(
        Device if parser is dd_device.Device else parser for parser in DeviceDetector.DEVICE_PARSERS
    )

    def parse_client(self) -> None:
        if self.client_hints or _may_be_tv_client(self.user_agent):
            super().parse_client()


class ClientLookup(DeviceLookup):
    """`DeviceLookup` that also parses the client (browser, app, library...) of every agent: what
    the bot rule's automation signs need to know (agent_classifier.automated)."""

    __slots__ = ()
    parse_client = DeviceDetector.parse_client
