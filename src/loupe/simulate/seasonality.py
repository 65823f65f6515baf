"""When visits start: per-day volume with weekly seasonality, and a daily profile by local hour."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

# Relative traffic by local hour: quiet nights, an evening peak.
HOURLY_WEIGHTS = (
    0.30, 0.20, 0.14, 0.11, 0.11, 0.16, 0.30, 0.55, 0.80, 0.95, 1.05, 1.15,
    1.20, 1.20, 1.15, 1.10, 1.10, 1.20, 1.40, 1.60, 1.75, 1.65, 1.25, 0.70,
)  # fmt: skip
# Monday .. Sunday.
WEEKDAY_FACTORS = (0.92, 0.94, 0.97, 1.0, 1.06, 1.12, 1.05)


def local_midnight_ms(day: date, zone: ZoneInfo) -> int:
    """Epoch milliseconds of the start of `day` in `zone`."""
    return int(datetime(day.year, day.month, day.day, tzinfo=zone).timestamp() * 1000)


def visits_on(day: date, visits_per_day: int, rng: random.Random) -> int:
    """How many visits start on `day`: the weekly factor with a little day-to-day noise."""
    expected = visits_per_day * WEEKDAY_FACTORS[day.weekday()] * rng.uniform(0.95, 1.05)
    return max(1, round(expected))


def visit_starts(day: date, count: int, zone: ZoneInfo, rng: random.Random) -> list[int]:
    """Sorted start times (epoch ms) of `count` visits on local `day`, by the hourly profile."""
    hour_starts = []
    for hour in range(25):
        moment = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(hours=hour)
        # Wall-clock hours; across a DST change an hour may be 0 or 2 hours long.
        hour_starts.append(int(moment.astimezone(ZoneInfo("UTC")).timestamp() * 1000))
    hour_starts[24] = local_midnight_ms(day + timedelta(days=1), zone)
    hours = rng.choices(range(24), weights=HOURLY_WEIGHTS, k=count)
    starts = []
    for hour in hours:
        low, high = hour_starts[hour], hour_starts[hour + 1]
        if high <= low:
            low, high = hour_starts[hour], hour_starts[hour] + 3_600_000
        starts.append(rng.randrange(low, min(high, hour_starts[24])))
    starts.sort()
    return starts
