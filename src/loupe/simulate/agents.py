"""User-agent strings of the shop's visitors, each with the one device type it stands for.

The device type must be unambiguous from the string: iPhone is mobile, iPad is tablet, Android
phones and tablets are told by their model, desktop browsers on Windows/macOS/Linux are desktop,
and search and SEO crawlers are bots, as the ETL's classifier (`jobs/agent_classifier.py`) says.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

DESKTOP = "desktop"
MOBILE = "mobile"
TABLET = "tablet"
BOT = "bot"

_DESKTOP_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/129.0.0.0 Safari/537.36 Edg/129.0.0.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/128.0.0.0 YaBrowser/24.10.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0",
)
_MOBILE_AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) CriOS/130.0.6723.90 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 15; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; 2201117TY) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/129.0.0.0 YaBrowser/24.10.1.0 Mobile Safari/537.36",
)
_TABLET_AGENTS = (
    "Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; Lenovo TB-X606F) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/128.0.0.0 Safari/537.36",
)
_BOT_AGENTS = (
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/130.0.6723.69 Mobile Safari/537.36 "
    "(compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
    "Mozilla/5.0 (compatible; DuckDuckBot-Https/1.1; https://duckduckgo.com/duckduckbot)",
)

AGENTS_BY_DEVICE: dict[str, tuple[str, ...]] = {
    DESKTOP: _DESKTOP_AGENTS,
    MOBILE: _MOBILE_AGENTS,
    TABLET: _TABLET_AGENTS,
    BOT: _BOT_AGENTS,
}
# Human device mix (bots are drawn separately, at `SimulationOptions.bot_share`).
HUMAN_DEVICE_WEIGHTS = ((MOBILE, 0.56), (DESKTOP, 0.37), (TABLET, 0.07))


@dataclass(frozen=True)
class Agent:
    """A user-agent string and the device type it stands for."""

    user_agent: str
    device_type: str


def device_type_of(user_agent: str) -> str:
    """The device type the rules in the module docstring give for one of our strings."""
    for device, agents in AGENTS_BY_DEVICE.items():
        if user_agent in agents:
            return device
    raise KeyError(user_agent)


def pick_human_agent(rng: random.Random) -> Agent:
    """A human visitor's browser, drawn by the device mix."""
    roll = rng.random()
    cumulative = 0.0
    device = HUMAN_DEVICE_WEIGHTS[-1][0]
    for name, weight in HUMAN_DEVICE_WEIGHTS:
        cumulative += weight
        if roll < cumulative:
            device = name
            break
    return Agent(rng.choice(AGENTS_BY_DEVICE[device]), device)


def pick_bot_agent(rng: random.Random) -> Agent:
    """A crawler's user agent."""
    return Agent(rng.choice(_BOT_AGENTS), BOT)


def random_ip(rng: random.Random) -> str:
    """An address from the documentation ranges (RFC 5737): it is only data."""
    prefix = rng.choice(("203.0.113", "198.51.100", "192.0.2"))
    return f"{prefix}.{rng.randint(1, 254)}"
