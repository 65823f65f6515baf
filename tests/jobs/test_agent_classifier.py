"""The bot rule of jobs/agent_classifier.py: the automation signs catch bots that no list names
(tested with every list left out), and leave people's clients alone."""

from __future__ import annotations

import pytest

from loupe.jobs import agent_classifier

# Agents no list knows: new names, with the signs the rule reads.
UNLISTED_BOTS = [
    # A crawler leaving its contact address, in a compatible-style agent or after a browser's.
    "Mozilla/5.0 (compatible; ShopPulse/1.3; +https://shoppulse.example/about)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36 (+https://pricelens.example)",
    "FeedPilot/2.0 (ops@feedpilot.example)",
    # HTTP libraries and tools: no platform at all.
    "PriceLens/4.1",
    "reqwest/0.11.22",
]
PEOPLE = [
    # A podcast app with its site in the agent, a mail client, a feature phone's Opera Mini.
    "Podbean/Android App 7.6.4 (http://podbean.com)",
    "Outlook-iOS/696.1188109.prod.iphone (2.102.0)",
    "Opera/9.80 (SpreadTrum; Opera Mini/4.4.32739/59.323; U; en) Presto/2.12.423 Version/12.16",
    "Mozilla/5.0 (Linux; Android 10; CUBOT J9) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/88.0.4324.152 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
]


@pytest.mark.parametrize("agent", UNLISTED_BOTS)
def test_automation_signs_catch_bots_no_list_names(agent: str) -> None:
    assert agent_classifier.is_bot(agent, lists=())
    assert agent_classifier.classify(agent)["is_bot"] == 1


@pytest.mark.parametrize("agent", PEOPLE)
def test_people_clients_show_no_automation_sign(agent: str) -> None:
    assert not agent_classifier.automated(agent)
    assert agent_classifier.classify(agent)["is_bot"] == 0


def test_a_list_left_out_is_not_consulted() -> None:
    """The benchmark's held-out figures rely on `lists` leaving a list out: a browser's agent
    that only crawlerdetect names, with no automation sign."""
    agent = (
        "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/47.0.2526.111 Safari/537.36 Yandex.Translate"
    )
    assert agent_classifier.is_bot(agent)
    assert agent_classifier.is_bot(agent, lists=("crawlerdetect",))
    assert not agent_classifier.is_bot(agent, lists=("device_detector", "crawler-user-agents"))
