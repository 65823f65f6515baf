"""Is a user agent a person, and on what device: maintained packages, chosen by measurement.

The lists live in packages and are updated by upgrading them (bench/user_agents.py measures the
choice against public labelled agents; docs/benchmarks.md has the figures):

- bots: Device Detector's bot list names the agent, or ua-parser's device family is `Spider`;
  or `crawler-user-agents` (the community list of crawler patterns) or `crawlerdetect` (the
  Python port of CrawlerDetect) matches it, unless Device Detector finds the agent's device brand
  and no bot in it (a phone app or a person's browser whose agent holds a word one list takes for
  a crawler). Phone brands that contain "bot" (Cubot, BOTECH) stay people: the lists' patterns
  are anchored on crawler names, not on the bare word;
- bots no list names yet (`automated`): an agent with no platform at all (neither ua-parser nor
  Device Detector finds an OS or a device), unless it is a browser ua-parser knows or a kind of
  client people run (media player, mail or calendar client, feed reader, mobile app); or an
  agent that carries a web address or an email address (crawlers' contact convention: `+http://
  ...`), unless it is such a client. A person's browser always names its platform and no
  address, so these signs catch new crawlers, monitors and HTTP libraries without a list;
- browser, OS and device family: ua-parser (uap-core rules, with its Rust engine when
  `ua-parser-rs` is installed), about 0.1 ms per agent;
- device type: iPhone and iPod are `mobile`, iPad `tablet`; Windows without touch, macOS,
  ChromeOS and X11 Linux without a TV marker `desktop`: these are told by the agent's own
  platform token. Every other agent (Android, feature phones, TVs, consoles...) goes to
  `device_detector` (the Python port of Matomo's Device Detector), which knows each brand's
  models: an Android tablet whose agent says "Mobile" is a tablet, a phone app's webview a phone.
  Its device lookup (`device_lookup`: indexed brand regexes, no client parse; the same devices
  as Device Detector's) takes about 3 ms per agent, so it runs only where the platform token does
  not decide. Its types map to `mobile` (smartphone, phablet, feature phone, wearable), `tablet`,
  `desktop`, and `other` (TV, console, car browser, smart display, media player...).
- client hints (Sec-CH-UA-Mobile, Sec-CH-UA-Platform, Sec-CH-UA-Model), when the browser sent
  them, come first: `?1` is `mobile`; `?0` on Windows, macOS, Linux or Chrome OS is `desktop`;
  `?0` on Android is `tablet` unless Device Detector, given the model, finds the device's brand
  and another type (a TV, a phone in "desktop site" mode). Other hints go to Device Detector
  with the agent.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

import crawleruseragents
from crawlerdetect import CrawlerDetect
from ua_parser import parse

if TYPE_CHECKING:
    from device_detector import DeviceDetector

_IOS_PHONE = re.compile(r"\((?:iPhone|iPod)")
_IPAD = re.compile(r"\(iPad")
# Platform tokens that alone say "desktop"; a TV, console or touch marker sends the agent to
# Device Detector instead.
_DESKTOP_PLATFORM = re.compile(r"\((?:Windows NT|Macintosh|X11; (?:Linux|Ubuntu|Fedora)|X11; CrOS)")
_NOT_PLAIN_DESKTOP = re.compile(
    r"Android|Touch|ARM|Tablet|TV|Xbox|PlayStation|Nintendo|Web0S|webOS|Tizen|CrKey|"
    r"HbbTV|SMART-TV|SmartTV|Roku|Opera TV|Mobile|Kindle|Silk",
)
_DD_TYPES = {
    "smartphone": "mobile",
    "phablet": "mobile",
    "feature phone": "mobile",
    "wearable": "mobile",
    "tablet": "tablet",
    "desktop": "desktop",
}
_DESKTOP_PLATFORMS = {"windows", "macos", "linux", "chrome os", "chromeos"}


@lru_cache(maxsize=1)
def _crawlerdetect() -> CrawlerDetect:
    return CrawlerDetect()


# The bot lists, by package; `is_bot(lists=...)` can leave one out (bench/user_agents.py
# measures the rule on the bots a list alone knows).
BOT_LISTS = ("device_detector", "crawler-user-agents", "crawlerdetect")
_PATTERN_LISTS = {
    "crawler-user-agents": crawleruseragents.is_crawler,
    "crawlerdetect": lambda user_agent: _crawlerdetect().is_crawler(user_agent),
}
# A web or email address in the agent: the contact a crawler leaves (`+http://...`).
_ADDRESS = re.compile(r"https?://|www\.|\+http|[\w.+-]+@[\w-]+\.[a-z]{2,}", re.IGNORECASE)
# Kinds of Device Detector clients that people run, with or without a platform in the agent.
_PEOPLE_CLIENTS = {"mediaplayer", "pim", "feed reader", "mobile app"}


def is_bot(user_agent: str, lists: tuple[str, ...] = BOT_LISTS) -> bool:
    """Whether the agent is a bot, by the lists and the automation signs (module docstring)."""
    from device_detector.parser import Bot

    if not user_agent.strip():
        return True
    if "device_detector" in lists and Bot(user_agent, None).parse().ua_data:
        return True
    if any(_PATTERN_LISTS[name](user_agent) for name in lists if name in _PATTERN_LISTS):
        return not _detect(user_agent, None).device_brand()
    return automated(user_agent)


def automated(user_agent: str) -> bool:
    """An agent no person's client sends: no platform at all, or a web or email address, and not
    a client people run (module docstring)."""
    parsed = parse(user_agent)
    platformless = not parsed.os or parsed.os.family == "Other"
    if not platformless and not _ADDRESS.search(user_agent):
        return False
    from loupe.jobs.device_lookup import ClientLookup

    found = ClientLookup(user_agent, skip_bot_detection=True, check_cache=False).parse()
    if str(found.client_type()) in _PEOPLE_CLIENTS:
        return False
    if _ADDRESS.search(user_agent):
        return True
    if found.os_name() or found.device_brand() or found.device_type():
        return False
    browser = parsed.user_agent
    return not (str(found.client_type()) == "browser" and browser and browser.family != "Other")


def _detect(user_agent: str, hints: dict[str, str] | None) -> DeviceDetector:
    """Device Detector's device (and OS) of the agent and hints (`device_lookup`)."""
    from loupe.jobs.device_lookup import DeviceLookup

    headers = {f"sec-ch-ua-{name}": value for name, value in (hints or {}).items() if value}
    return DeviceLookup(
        user_agent, skip_bot_detection=True, headers=headers or None, check_cache=False
    ).parse()


def _detector_type(found: DeviceDetector) -> str:
    kind = str(found.device_type())
    if not kind:
        os_name = found.os_name().lower()
        if os_name in _DESKTOP_PLATFORMS or os_name.startswith("windows"):
            return "desktop"
        return "other"
    return _DD_TYPES.get(kind, "other")


def _hinted_type(user_agent: str, hints: dict[str, str]) -> str | None:
    """The type the hints settle (see the module docstring), or None."""
    mobile = hints.get("mobile")
    platform = hints.get("platform", "").strip('"').lower()
    if mobile == "?1":
        return "mobile"
    if mobile != "?0":
        return None
    if platform in _DESKTOP_PLATFORMS:
        return "desktop"
    if platform == "android":
        if hints.get("model"):
            found = _detect(user_agent, hints)
            if found.device_brand():
                return _detector_type(found)
        return "tablet"
    return None


def device_type(user_agent: str, hints: dict[str, str] | None = None) -> str:
    """`mobile`, `tablet`, `desktop` or `other` for an agent that is not a bot, by its client
    hints first (`mobile`, `platform`, `model`: the values of the Sec-CH-UA- headers)."""
    if hints:
        return _hinted_type(user_agent, hints) or _detector_type(_detect(user_agent, hints))
    if _IOS_PHONE.search(user_agent):
        return "mobile"
    if _IPAD.search(user_agent):
        return "tablet"
    if _DESKTOP_PLATFORM.search(user_agent) and not _NOT_PLAIN_DESKTOP.search(user_agent):
        return "desktop"
    return _detector_type(_detect(user_agent, None))


def _version(*parts: str | None) -> str:
    return ".".join(part for part in parts if part)


def classify(user_agent: str, hints: dict[str, str] | None = None) -> dict:
    """Browser, OS, device family, device type and bot flag of one agent (and its hints)."""
    result = parse(user_agent)
    browser, os_info, device = result.user_agent, result.os, result.device
    device_family = device.family if device else "Other"
    bot = device_family == "Spider" or is_bot(user_agent)
    return {
        "browser": browser.family if browser else "Other",
        "browser_version": _version(browser.major, browser.minor) if browser else "",
        "os": os_info.family if os_info else "Other",
        "os_version": _version(os_info.major, os_info.minor) if os_info else "",
        "device_family": device_family,
        "device_type": "bot" if bot else device_type(user_agent, hints),
        "is_bot": int(bot),
    }
