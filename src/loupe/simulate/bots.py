"""Bots that send an ordinary browser's agent, told apart only by what they do.

Each day has an uptime monitor (one visit checking the home page every 5 minutes, to the
millisecond but for a little network jitter), price scrapers (a Chrome visit paging through the
catalog's listings every 1-3 seconds, viewing no product) and cookie-less crawlers (bursts of
20-40 product pages 1-3 seconds apart from one address, each call a new session: one visit per
call). Their truth names the rule of the ETL that must find them (`bot_reason`,
jobs/templates/behaviour_bots.sql). They draw from their own random stream, so the people's
visits are the same with or without them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from loupe.simulate import endpoints as api
from loupe.simulate.agents import DESKTOP, Agent, random_ip
from loupe.simulate.catalog import SECTIONS
from loupe.simulate.listing import DEFAULT_PER_PAGE, SORTS, ListingFilter, Listings
from loupe.simulate.recorder import VisitRecorder
from loupe.simulate.shopstate import ShopState

MONITOR = "behaviour:regular_interval"
SCRAPER = "behaviour:catalog_sweep"
CRAWLER = "behaviour:cookieless_burst"
MONITOR_INTERVAL_MS = 300_000
_HOUR_MS = 3_600_000
# The monitor checks for 23 hours from the start of the day: its visit stays under the 24-hour
# cap, also on a 25-hour day.
_MONITOR_HOURS = 23
_CHROME_WINDOWS = Agent(
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36",
    DESKTOP,
)
_CHROME_LINUX = Agent(
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36",
    DESKTOP,
)
_SECTION_NAMES = tuple(SECTIONS)


@dataclass(frozen=True)
class BotVisit:
    """One planned visit of a behaviour bot: when, which kind (its truth `bot_reason`), and the
    session and address it uses."""

    start_ms: int
    reason: str
    session_id: str
    ip: str

    @property
    def agent(self) -> Agent:
        return _CHROME_WINDOWS if self.reason == MONITOR else _CHROME_LINUX


def _session_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(96):024x}"


def plan_bot_visits(day_start_ms: int, visits_per_day: int, rng: random.Random) -> list[BotVisit]:
    """The behaviour bots' visits of a day starting at `day_start_ms`, in start order. Scrapers
    and crawler bursts start between 01:00 and 22:00, so no burst crosses midnight."""
    monitor_start = day_start_ms + rng.randrange(60_000)
    visits = [BotVisit(monitor_start, MONITOR, _session_id(rng), random_ip(rng))]
    low, high = day_start_ms + _HOUR_MS, day_start_ms + 22 * _HOUR_MS
    for _ in range(1 + visits_per_day // 1000):
        visits.append(BotVisit(rng.randrange(low, high), SCRAPER, _session_id(rng), random_ip(rng)))
    for _ in range(1 + visits_per_day // 2000):
        at, ip = rng.randrange(low, high), random_ip(rng)
        for _ in range(rng.randint(20, 40)):
            visits.append(BotVisit(at, CRAWLER, _session_id(rng), ip))
            at += rng.randint(1_000, 3_000)
    visits.sort(key=lambda visit: visit.start_ms)
    return visits


class BotSimulator:
    """Generates the calls of behaviour bots' visits over the shared shop state."""

    def __init__(self, shop: ShopState, listings: Listings, error_rate: float) -> None:
        self.shop, self.listings, self.error_rate = shop, listings, error_rate
        self.rng = random.Random(0)

    def visit(self, bot: BotVisit) -> VisitRecorder:
        """All calls of one planned bot visit, in time order."""
        # The monitor and the crawler see no server errors: a retry would add calls that these
        # bots, which send one request per check or per page, do not make.
        error_rate = self.error_rate if bot.reason == SCRAPER else 0.0
        v = VisitRecorder(
            self.rng, bot.session_id, None, bot.agent.user_agent, bot.ip, bot.start_ms, error_rate
        )
        if bot.reason == MONITOR:
            self._monitor(v, bot.start_ms)
        elif bot.reason == SCRAPER:
            self._scrape(v)
        else:
            item = self.shop.items[self.rng.randrange(len(self.shop.items))]
            api.product(v, self.shop, item.id)
        return v

    def _monitor(self, v: VisitRecorder, start_ms: int) -> None:
        response = {"blocks": ["hero", "new_arrivals", "bestsellers", "gifts"]}
        checks = _MONITOR_HOURS * _HOUR_MS // MONITOR_INTERVAL_MS
        for check in range(checks):
            v.now_ms = start_ms + check * MONITOR_INTERVAL_MS + self.rng.randint(0, 40)
            v.emit("GET", api.HOME, {}, 200, response, v.duration(15))

    def _scrape(self, v: VisitRecorder) -> None:
        """Every page of section listings, one after another, until its quota of calls."""
        rng = self.rng
        quota = rng.randint(16, 40)
        sections = list(_SECTION_NAMES)
        rng.shuffle(sections)
        turn = 0
        while len(v.records) < quota:
            listing = ListingFilter(section=sections[turn % len(sections)], sort=SORTS[turn % 2])
            turn += 1
            page = 1
            while len(v.records) < quota:
                shown = api.catalog(v, self.listings, listing, page, DEFAULT_PER_PAGE)
                v.now_ms += rng.randint(1_000, 3_000)
                if shown is not None and page * DEFAULT_PER_PAGE >= shown[0]:
                    break
                page += shown is not None
