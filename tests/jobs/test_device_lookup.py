"""The device lookup finds what Device Detector finds, trying a fraction of its brands and
parsing the client only where it can change the device."""

from __future__ import annotations

import pytest
from device_detector import DeviceDetector

from loupe.jobs.device_lookup import DeviceLookup, _heads, _index

AGENTS = [
    "Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 12; SM-A525F Build/SP1A.210812.016; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/119.0.6045.163 Mobile Safari/537.36 "
    "Instagram 309.0.0.40.113 Android",
    "Mozilla/5.0 (Linux; Android 10; CUBOT J9) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/88.0.4324.152 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8 Pro) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/121.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 12; 2201117TG) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.6099.144 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; U; Android 4.0.3; ru-ru; KFTT Build/IML74K) AppleWebKit/534.30 "
    "(KHTML, like Gecko) Version/4.0 Safari/534.30 Silk/3.4",
    "Mozilla/5.0 (Linux; Andr0id 9; ATV R2) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/77.0.3865.120 Safari/537.36 OPR/46.0.2207.0 OMI/4.20.5.31.Oak.45 HbbTV/1.5.1 "
    "(+DRM;BOTECH;ATV R2;Demo 1.0;Demonstration only;TVs;) FVC/5.0 (BOTECH;TVs;)",
    "Nokia6300/2.0 (04.20) Profile/MIDP-2.0 Configuration/CLDC-1.1",
    # TV browsers: the client makes the device a TV.
    "Mozilla/5.0 (Linux;) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/47.0.2526.106 "
    "Safari/537.36 SRAF/",
    "Mozilla/5.0 (Windows; U; Windows NT 5.1; en-US; rv:1.9.2) Gecko/20100222 Firefox/3.6 "
    "Kylo/0.6.1.7039",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
]


@pytest.mark.parametrize("agent", AGENTS)
def test_the_indexed_lookup_finds_what_device_detector_finds(agent: str) -> None:
    plain = DeviceDetector(agent, skip_bot_detection=True, check_cache=False).parse()
    indexed = DeviceLookup(agent, skip_bot_detection=True, check_cache=False).parse()
    assert (indexed.device_brand(), indexed.device_model(), indexed.device_type()) == (
        plain.device_brand(),
        plain.device_model(),
        plain.device_type(),
    )


def test_an_agent_is_tried_against_a_few_brands_only() -> None:
    index = _index()
    tried = index.candidates(AGENTS[0])
    assert "Samsung" in {entry["brand"] for entry in tried}
    assert len(tried) < len(index.entries) / 10
    positions = [index.entries.index(entry) for entry in tried]
    assert positions == sorted(positions)  # in Device Detector's order: the first match wins


@pytest.mark.parametrize(
    ("regex", "heads"),
    [
        ("(?:SM-|GT-)[A-Z]", {"sm-", "gt-"}),
        ("(?:Pixel|Nexus) \\d", {"pixel", "nexus"}),
        ("Redmi(?: Note)? ?(\\d+)", {"redmi"}),
        ("(?<!FBCR/)O2[ -]", {"o2"}),  # a look-behind takes nothing
        ("[A-Z]+-\\d", None),  # no literal start: always tried
        ("(?:Moto)?G\\d", None),  # an optional start: always tried
    ],
)
def test_the_literal_starts_of_a_brand_regex(regex: str, heads: set[str] | None) -> None:
    bounded = "(?:^|[^A-Z0-9_-]|[^A-Z0-9-]_|sprd-|MZ-)(?:" + regex + ")"
    assert _heads(bounded) == heads
