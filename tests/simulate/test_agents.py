"""Each user-agent string is classified as its device type by the ETL's classifier."""

from __future__ import annotations

import random

import pytest

from loupe.jobs.agent_classifier import classify
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
def test_classifier_agrees(device, user_agent):
    assert device_type_of(user_agent) == device
    found = classify(user_agent)
    assert (found["device_type"], found["is_bot"]) == (device, int(device == BOT))


def test_human_device_mix():
    rng = random.Random(1)
    devices = [pick_human_agent(rng).device_type for _ in range(5_000)]
    shares = {device: devices.count(device) / len(devices) for device in set(devices)}
    assert set(shares) == {DESKTOP, MOBILE, TABLET}
    assert 0.5 < shares[MOBILE] < 0.62 and 0.31 < shares[DESKTOP] < 0.43
