"""Payment card numbers, found and masked wherever they appear in a record.

A card-like number is a run of 13 to 19 digits, optionally grouped by spaces or dashes, that
starts with 2 to 6 (as issued card numbers do; epoch timestamps start with 1) and passes the Luhn
check. It is masked to `****` and its last four digits, and counted under `rule="card-number"`.
"""

from __future__ import annotations

import re

from loupe.ingest import metrics

_CARD = re.compile(r"(?<![0-9])[2-6](?:[ -]?[0-9]){12,18}(?![0-9])")
# The precheck of encoded text: digits become `0`, spaces and dashes go, so any card-like number
# leaves 13 zeros in a row (one C-speed pass, no regular expression).
_DIGITS_TO_ZERO = bytes.maketrans(b"0123456789", b"0" * 10)
_CARD_RUN = b"0" * 13


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn check (as card numbers do)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = ord(char) - 48
        if index % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def _mask_card(match: re.Match[str]) -> str:
    digits = match.group().replace(" ", "").replace("-", "")
    if not luhn_valid(digits):
        return match.group()
    metrics.SCRUBBED_CARD.inc()
    return "****" + digits[-4:]


def mask_cards(text: str) -> str:
    """`text` with every card-like number masked to `****` and its last four digits."""
    return _CARD.sub(_mask_card, text) if len(text) >= 13 else text


def may_hold_cards(data: bytes) -> bool:
    """Whether encoded text may hold a card-like number (False: it surely does not)."""
    return _CARD_RUN in data.translate(_DIGITS_TO_ZERO, b" -")


def mask_card_int(value: int) -> int | str:
    """An integer that is a card number, masked (a string then); any other as it is."""
    text = str(value)
    masked = mask_cards(text)
    return value if masked == text else masked
