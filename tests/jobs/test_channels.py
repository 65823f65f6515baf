"""The channel rules (src/loupe/jobs/channels.yaml) as the day build applies them to visits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from loupe.errors import ConfigError
from loupe.jobs.channels import PACKAGED_RULES, load_rules
from loupe.jobs.run import build_day
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from tests.helpers.calls import DAY, at, call, load
from tests.helpers.dwh import visits

SHOP = "https://shop.example"
ACQUISITION = (
    "landing_url",
    "referrer_host",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "utm_term",
    "click_id_type",
    "channel",
)


def source_of(
    warehouse: Warehouse, settings: Settings, referer: str, page_referrer: str | None = None
) -> dict:
    """The acquisition columns of a one-visit day whose first call has these referrers (a
    second call, from another shop page, must not change them)."""
    first = call(at(10), referer=referer)
    if page_referrer is not None:
        first["page_referrer"] = page_referrer
    later = call(at(10, 5), referer=f"{SHOP}/catalog?utm_source=other&utm_medium=cpc")
    later["page_referrer"] = "https://www.bing.com/"
    load(warehouse, [first, later])
    build_day(warehouse, settings, DAY)
    [visit] = visits(warehouse)
    return {name: visit[name] for name in ACQUISITION}


# Each channel's defining example: (landing page, page referrer, channel).
DEFINING = [
    ("/?utm_source=yandex&utm_medium=cpc&utm_campaign=rings", "https://yandex.ru/", "paid_search"),
    ("/catalog/rings?gclid=abc123", "https://www.google.com/", "paid_search"),
    ("/", "https://yandex.ru/search/?text=rings", "organic_search"),
    ("/?utm_source=vk&utm_medium=cpc", "https://vk.com/", "paid_social"),
    ("/product/5?utm_source=instagram&utm_medium=paid_social", "", "paid_social"),
    ("/", "https://t.me/", "organic_social"),
    ("/?fbclid=xyz", "https://l.facebook.com/", "organic_social"),
    ("/?utm_source=newsletter&utm_medium=email&utm_campaign=black_friday", "", "email"),
    ("/", "https://e.mail.ru/", "email"),
    ("/", "https://jewelry-blog.example/best-rings", "referral"),
    ("/?utm_source=admitad&utm_medium=affiliate", "https://ad.admitad.com/", "affiliate"),
    ("/?utm_source=yandex&utm_medium=display", "https://yandex.ru/", "display"),
    ("/catalog", f"{SHOP}/cart", "internal"),
    ("/order/done", "https://yoomoney.ru/checkout/payments", "internal"),
    ("/", "", "direct"),
]


@pytest.mark.parametrize(("landing", "page_referrer", "channel"), DEFINING)
def test_each_channel_by_its_defining_example(
    warehouse: Warehouse, settings: Settings, landing: str, page_referrer: str, channel: str
) -> None:
    got = source_of(warehouse, settings, SHOP + landing, page_referrer)
    assert got["channel"] == channel
    assert got["landing_url"] == landing


def test_tags_are_read_case_insensitively_lower_cased_and_trimmed(
    warehouse: Warehouse, settings: Settings
) -> None:
    landing = (
        "/Catalog/Rings?UTM_Source=%20Yandex%20&utm_MEDIUM=CPC&amp;utm_campaign=Winter+Sale"
        "&utm_content=Banner_1&utm_term=%D0%9A%D0%BE%D0%BB%D1%8C%D1%86%D0%B0&YCLID=77#top"
    )
    got = source_of(warehouse, settings, SHOP.upper().replace("HTTPS", "https") + landing)
    assert got == {
        "landing_url": landing.removesuffix("#top"),
        "referrer_host": "",
        "utm_source": "yandex",
        "utm_medium": "cpc",
        "utm_campaign": "winter sale",
        "utm_content": "banner_1",
        "utm_term": "кольца",
        "click_id_type": "yclid",
        "channel": "paid_search",
    }


def test_the_shops_own_hosts_are_self_referrals(warehouse: Warehouse, settings: Settings) -> None:
    settings = settings.model_copy(update={"shop_hosts": ["shop.example", "shop-cdn.example"]})
    got = source_of(warehouse, settings, f"{SHOP}/", "https://m.shop-cdn.example/product/3")
    assert (got["channel"], got["referrer_host"]) == ("internal", "m.shop-cdn.example")


def test_a_record_of_the_earlier_contract_is_read_by_its_off_shop_referer(
    warehouse: Warehouse, settings: Settings
) -> None:
    """No page_referrer: a first `referer` off the shop's hosts is the external referrer."""
    got = source_of(warehouse, settings, "https://www.google.com/")
    assert got["channel"] == "organic_search"
    assert (got["referrer_host"], got["landing_url"]) == ("google.com", "")


def test_a_frontend_without_page_referrer_gives_tags_or_direct(
    warehouse: Warehouse, settings: Settings
) -> None:
    got = source_of(warehouse, settings, f"{SHOP}/?utm_source=Telegram&utm_medium=social")
    assert (got["channel"], got["utm_source"], got["referrer_host"]) == (
        "organic_social",
        "telegram",
        "",
    )


def test_a_shops_own_rules_file_replaces_the_default(
    warehouse: Warehouse, settings: Settings, tmp_path: Path
) -> None:
    rules = yaml.safe_load(PACKAGED_RULES.read_text())
    rules["search_engines"] = ["jewelsearch.example"]
    path = tmp_path / "channels.yaml"
    path.write_text(yaml.safe_dump(rules))
    settings = settings.model_copy(update={"channel_rules": path})
    load(warehouse, [call(at(9), referer=f"{SHOP}/", page_referrer="https://jewelsearch.example/")])
    load(warehouse, [call(at(10), "s2", referer=f"{SHOP}/", page_referrer="https://google.com/")])
    build_day(warehouse, settings, DAY)
    assert [v["channel"] for v in visits(warehouse)] == ["organic_search", "referral"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("search_engines: [google\n", "while parsing a flow sequence"),
        ("search_engines: []\n", "social_sites: Field required"),
    ],
)
def test_a_broken_rules_file_is_refused_in_one_line(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(content)
    with pytest.raises(ConfigError, match=f"^channel_rules {re.escape(str(path))}: ") as caught:
        load_rules(path)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_rules_file_with_an_unknown_channel_is_refused(tmp_path: Path) -> None:
    rules = yaml.safe_load(PACKAGED_RULES.read_text())
    rules["click_ids"]["gclid"] = "paid_video"
    path = tmp_path / "channels.yaml"
    path.write_text(yaml.safe_dump(rules))
    with pytest.raises(ConfigError, match=r"click_ids\.gclid"):
        load_rules(path)
