"""Each user-agent string is classified the same way by ua-parser (what the ETL uses)."""

from __future__ import annotations

import random

import pytest
from ua_parser import parse

from loupe.simulate.agents import (
    AGENTS_BY_DEVICE,
    BOT,
    DESKTOP,
    MOBILE,
    TABLET,
    device_type_of,
    pick_human_agent,
)

ALL_AGENTS = [(device, ua) for device, agents in AGENTS_BY_DEVICE.items() for ua in agents]


@pytest.mark.parametrize(("device", "user_agent"), ALL_AGENTS)
def test_ua_parser_agrees(device, user_agent):
    result = parse(user_agent)
    family = result.device.family if result.device else "Other"
    os_family = result.os.family if result.os else "Other"
    assert device_type_of(user_agent) == device
    if device == BOT:
        assert family == "Spider"
        return
    assert family != "Spider"
    if device == DESKTOP:
        assert family in {"Other", "Mac"}
        assert os_family in {"Windows", "Mac OS X", "Linux", "Ubuntu"}
    elif "iPhone" in user_agent:
        assert (device, family) == (MOBILE, "iPhone")
    elif "iPad" in user_agent:
        assert (device, family) == (TABLET, "iPad")
    else:
        assert os_family == "Android"
        assert ("Mobile" in user_agent) == (device == MOBILE)


def test_human_device_mix():
    rng = random.Random(1)
    devices = [pick_human_agent(rng).device_type for _ in range(5_000)]
    shares = {device: devices.count(device) / len(devices) for device in set(devices)}
    assert set(shares) == {DESKTOP, MOBILE, TABLET}
    assert 0.5 < shares[MOBILE] < 0.62 and 0.31 < shares[DESKTOP] < 0.43
