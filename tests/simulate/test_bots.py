"""Bots with a browser's agent and people behind shared addresses, as docs/simulator.md says."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict

from loupe.simulate.agents import DESKTOP
from loupe.simulate.bots import MONITOR_INTERVAL_MS
from loupe.simulate.visitors import CARRIER_NAT_IPS, OFFICE_IP
from tests.helpers.recount import parse_ts, split_visits


def _visits_by_key(small_run) -> dict[tuple[str, str], list[dict]]:
    return {
        (calls[0]["session_id"], calls[0]["ts"]): calls
        for calls in split_visits(small_run.records())
    }


def _ms(record: dict) -> int:
    return int(parse_ts(record["ts"]).timestamp() * 1000)


def test_each_day_has_every_kind_of_bot_with_a_browser_agent(small_run):
    truth = small_run.truth("visits.ndjson")
    per_day = Counter((row["date"], row["bot_reason"]) for row in truth)
    for day in ("2026-11-19", "2026-11-20", "2026-11-21"):
        assert per_day[(day, "behaviour:regular_interval")] == 1
        assert per_day[(day, "behaviour:catalog_sweep")] == 1
        assert per_day[(day, "behaviour:cookieless_burst")] >= 20
    behaviour = [row for row in truth if row["bot_reason"].startswith("behaviour:")]
    assert {row["device_type"] for row in behaviour} == {DESKTOP}
    assert all(row["is_bot"] for row in behaviour)


def test_bots_behave_as_documented(small_run):
    calls_of = _visits_by_key(small_run)
    for row in small_run.truth("visits.ndjson"):
        calls = calls_of[(row["session_id"], row["visit_start"])]
        gaps = [_ms(b) - _ms(a) for a, b in itertools.pairwise(calls)]
        if row["bot_reason"] == "behaviour:regular_interval":
            assert len(calls) == 23 * 12
            assert all(abs(gap - MONITOR_INTERVAL_MS) <= 40 for gap in gaps)
        elif row["bot_reason"] == "behaviour:catalog_sweep":
            assert len(calls) >= 16 and row["product_views"] == 0
            assert {c["endpoint"] for c in calls} == {"/api/v1/catalog"}
        elif row["bot_reason"] == "behaviour:cookieless_burst":
            assert len(calls) == 1 and calls[0]["endpoint"].startswith("/api/v1/products/")


def test_people_share_an_office_and_a_carriers_addresses(small_run):
    truth = {(r["session_id"], r["visit_start"]): r for r in small_run.truth("visits.ndjson")}
    people_of: dict[str, set[str]] = defaultdict(set)
    for key, calls in _visits_by_key(small_run).items():
        if truth[key]["bot_reason"] == "":
            people_of[calls[0]["ip"]].add(calls[0]["session_id"])
    assert len(people_of[OFFICE_IP]) >= 10
    assert sum(len(people_of[ip]) for ip in CARRIER_NAT_IPS) >= 10
