"""Where the simulated visits come from: channels, UTM-tagged campaigns, click ids, referrers.

Each human visit draws a source with the shares a jewelry shop of this audience sees (search
engines first, Yandex ahead of Google; social sites; newsletters; ads). A source is the landing
page's query string (UTM tags, click ids; some mixed-case or malformed, as real links are) and the
page's `document.referrer`, which the frontend sends as `page_referrer` with every call. Some
frontends send no page referrer; a few visits come from a frontend of the earlier contract, whose
first calls carry the external referrer in `referer`.

Each source states its ground truth as docs/acquisition.md defines it, written out here rather
than computed by the rules: the channel and tags Loupe must find, with and without the page
referrer. One campaign (`silver_awareness`) brings visits but never an order.
"""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass
from itertools import accumulate
from urllib.parse import urlsplit

NO_ORDER_CAMPAIGN = "silver_awareness"
_NO_PAGE_REFERRER_SHARE = 0.1
_EARLIER_CONTRACT_SHARE = 0.05
_TAGS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")


@dataclass(frozen=True)
class Source:
    """One kind of arrival: its share, landing query, referrers and truth."""

    weight: float
    query: str  # appended to the landing page; `{click}` is a random click id
    referrers: tuple[str, ...]  # the page's document.referrer, one drawn per visit
    channel: str
    blind_channel: str = ""  # the channel when the referrer is unknown (default: `channel`)
    tags: tuple[str, ...] = ("", "", "", "", "")  # the five UTM tags as Loupe must read them
    click_id_type: str = ""

    @property
    def may_order(self) -> bool:
        """False for the campaign that brings visits but no orders."""
        return self.tags[2] != NO_ORDER_CAMPAIGN


def _paid(source: str, medium: str, campaign: str, content: str = "", term: str = "") -> tuple:
    return (source, medium, campaign, content, term)


SOURCES = (
    Source(22, "", ("",), "direct"),
    Source(17, "", ("https://yandex.ru/", "https://ya.ru/"), "organic_search", "direct"),
    Source(
        9, "", ("https://www.google.com/", "https://www.google.ru/"), "organic_search", "direct"
    ),
    Source(
        1.5,
        "",
        ("https://go.mail.ru/search", "https://duckduckgo.com/", "https://www.bing.com/"),
        "organic_search",
        "direct",
    ),
    Source(
        6,
        "?utm_source=yandex&utm_medium=cpc&utm_campaign=rings_winter&utm_term=gold+ring"
        "&yclid={click}",
        ("https://yandex.ru/",),
        "paid_search",
        tags=_paid("yandex", "cpc", "rings_winter", "", "gold ring"),
        click_id_type="yclid",
    ),
    Source(
        2,
        "?utm_source=Yandex&utm_medium=CPC&utm_campaign=Brand_Search&yclid={click}",
        ("https://yandex.ru/",),
        "paid_search",
        tags=_paid("yandex", "cpc", "brand_search"),
        click_id_type="yclid",
    ),
    Source(3, "?gclid={click}", ("https://www.google.com/",), "paid_search", click_id_type="gclid"),
    Source(
        1,
        "?utm_source=&utm_medium=cpc&utm_campaign=earrings",
        ("https://yandex.ru/",),
        "paid_search",
        tags=_paid("", "cpc", "earrings"),
    ),
    Source(3, "", ("https://vk.com/", "https://m.vk.com/away.php"), "organic_social", "direct"),
    Source(2, "", ("https://t.me/", "https://web.telegram.org/"), "organic_social", "direct"),
    Source(
        1.5,
        "?fbclid={click}",
        ("https://l.instagram.com/",),
        "organic_social",
        "direct",
        click_id_type="fbclid",
    ),
    Source(
        1,
        "",
        (
            "https://www.pinterest.com/",
            "https://dzen.ru/",
            "https://ok.ru/",
            "https://www.youtube.com/",
        ),
        "organic_social",
        "direct",
    ),
    Source(
        3,
        "?utm_source=vk&utm_medium=paid_social&utm_campaign=new_collection&utm_content=carousel",
        ("https://vk.com/",),
        "paid_social",
        tags=_paid("vk", "paid_social", "new_collection", "carousel"),
    ),
    Source(
        1.5,
        "?utm_source=telegram&amp;utm_medium=cpc&amp;utm_campaign=tg_stories",
        ("https://t.me/",),
        "paid_social",
        tags=_paid("telegram", "cpc", "tg_stories"),
    ),
    Source(
        4,
        "?utm_source=newsletter&utm_medium=email&utm_campaign=black_friday",
        ("", "https://e.mail.ru/"),
        "email",
        tags=_paid("newsletter", "email", "black_friday"),
    ),
    Source(
        1.5,
        "?UTM_SOURCE=Sendsay&utm_medium=%20E-mail%20&utm_campaign=Winter+Sale",
        ("",),
        "email",
        tags=_paid("sendsay", "e-mail", "winter sale"),
    ),
    Source(
        3,
        "",
        ("https://jewelry-blog.example/best-rings", "https://otzovik.com/reviews/shop"),
        "referral",
        "direct",
    ),
    Source(
        2,
        "?utm_source=admitad&utm_medium=affiliate&utm_campaign=cashback",
        ("https://ad.admitad.com/",),
        "affiliate",
        tags=_paid("admitad", "affiliate", "cashback"),
    ),
    Source(
        2,
        "?utm_source=yandex&utm_medium=display&utm_campaign=silver_awareness",
        ("https://yandex.ru/",),
        "display",
        tags=_paid("yandex", "display", NO_ORDER_CAMPAIGN),
    ),
    Source(
        2.5,
        "",
        ("https://shop.example/product/102", "https://shop.example/cart"),
        "internal",
        "direct",
    ),
    Source(0.5, "", ("https://yoomoney.ru/checkout/payments/v2/contract",), "internal", "direct"),
)
_CUMULATIVE = list(accumulate(source.weight for source in SOURCES))
DIRECT_TRUTH = {
    "landing_url": "",
    "referrer_host": "",
    **dict.fromkeys(_TAGS, ""),
    "click_id_type": "",
    "channel": "direct",
}


@dataclass(frozen=True)
class Arrival:
    """One visit's arrival: what its first calls carry, and what Loupe must find."""

    referer: str  # the `referer` of the landing page's calls
    page_referrer: str | None  # None: the frontend sends no page referrer
    may_order: bool
    truth: dict


def pick_arrival(rng: random.Random, site: str, landing_path: str) -> Arrival:
    """The source of a human visit landing on `landing_path` of `site`."""
    source = SOURCES[bisect(_CUMULATIVE, rng.random() * _CUMULATIVE[-1])]
    referrer = rng.choice(source.referrers)
    query = source.query.replace("{click}", f"{rng.getrandbits(64):x}")
    landing = landing_path + query
    truth = {
        "landing_url": landing,
        "referrer_host": _host(referrer),
        **dict(zip(_TAGS, source.tags, strict=True)),
        "click_id_type": source.click_id_type,
        "channel": source.channel,
    }
    roll = rng.random()
    if roll < _NO_PAGE_REFERRER_SHARE:
        # The frontend sends no page referrer: only the landing page's tags are known.
        truth.update(referrer_host="", channel=source.blind_channel or source.channel)
        return Arrival(site + landing, None, source.may_order, truth)
    off_shop = referrer and not referrer.startswith(site)
    if roll < _NO_PAGE_REFERRER_SHARE + _EARLIER_CONTRACT_SHARE and not query and off_shop:
        # The earlier contract: the external referrer in `referer`; the landing page is unknown.
        truth.update(landing_url="")
        return Arrival(referrer, None, source.may_order, truth)
    return Arrival(site + landing, referrer, source.may_order, truth)


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")
