"""Parameter types the commands share: dates, instants, timezones, ports, positive numbers.

A value these reject is a usage error (one `error:` line, exit code 2) that names the option,
found before anything opens the warehouse, instead of a Python exception deep in a command.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
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


def parse_instant(value: str | datetime) -> datetime:
    """An ISO 8601 instant (`2026-11-20T13:00:00+01:00`; UTC without an offset), in UTC."""
    if isinstance(value, datetime):
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an instant (e.g. 2026-11-20T13:00:00Z)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


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
