"""Parameter types the commands share: dates, timezones, ports, positive numbers.

A value these reject is a usage error (one `error:` line, exit code 2) that names the option,
found before anything opens the warehouse, instead of a Python exception deep in a command.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PORT_MAX = 65_535


def parse_date(value: str | date) -> date:
    """A `YYYY-MM-DD` day (raising `ValueError`, which Click reports with the option's name)."""
    if isinstance(value, date):
        return value
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def parse_timezone(value: str) -> str:
    """An IANA timezone name such as `Europe/Berlin`, checked against the zone database."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {value!r} (an IANA name, e.g. Europe/Berlin)") from None
    return value


def parse_positive(value: str | float) -> float:
    """A number above zero (seconds, minutes)."""
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None
    if not number > 0:
        raise ValueError(f"{value!r} must be above 0")
    return number
