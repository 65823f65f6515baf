"""The truth files agree with the emitted calls, recounted independently (see recount.py)."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import date, timedelta

import orjson

from loupe.simulate.agents import AGENTS_BY_DEVICE
from tests.helpers.cart_recount import recount_carts
from tests.helpers.recount import parse_ts, recount, recount_item_days, split_visits
from tests.helpers.simulation import simulate

DEVICE_OF = {ua: device for device, agents in AGENTS_BY_DEVICE.items() for ua in agents}
VISIT_FIELDS = (
    "session_id", "visit_start", "date", "device_type", "is_registered", "calls", "catalog_calls",
    "searches", "zero_result_searches", "product_views", "favorite_adds", "cart_adds", "orders",
    "revenue",
)  # fmt: skip


def test_visits_match_recount(small_run):
    counted = recount(small_run.records(), DEVICE_OF)
    truth = [{name: row[name] for name in VISIT_FIELDS} for row in small_run.truth("visits.ndjson")]
    truth.sort(key=lambda row: (parse_ts(row["visit_start"]), row["session_id"]))
    assert len(truth) == small_run.summary.visits
    assert truth == counted["visits"]


def test_product_rows_match_recount(small_run):
    counted = recount(small_run.records(), DEVICE_OF)["products"]
    truth = [
        (r["session_id"], r["visit_start"], r["product_id"], r["views"], r["cart_adds"],
         r["purchased_qty"])
        for r in small_run.truth("visit_products.ndjson")
    ]  # fmt: skip
    assert sorted(truth) == sorted(counted)
    assert sum(row[5] for row in truth) > 0


def test_catalog_rows_match_recount(small_run):
    counted = recount(small_run.records(), DEVICE_OF)["catalog"]
    truth = [
        (r["event_id"], r["session_id"], r["visit_start"], r["q"], r["total"],
         r["clicked_product_id"], r["clicked_position"])
        for r in small_run.truth("catalog_calls.ndjson")
    ]  # fmt: skip
    assert sorted(truth) == sorted(counted)
    positions = [row[6] for row in truth if row[6]]
    assert positions and max(positions) > 24  # clicks on later pages are counted too
    assert any(row[3] and row[4] == 0 for row in truth)  # zero-result searches


def test_days_match_recount(small_run):
    behaviour_bots = frozenset(
        (row["session_id"], row["visit_start"])
        for row in small_run.truth("visits.ndjson")
        if row["bot_reason"].startswith("behaviour:")
    )
    counted = recount(small_run.records(), DEVICE_OF, behaviour_bots=behaviour_bots)["days"]
    truth = small_run.truth("days.ndjson")
    assert [row["date"] for row in truth] == ["2026-11-19", "2026-11-20", "2026-11-21"]
    for row in truth:
        expected = counted[row["date"]]
        assert {k: v for k, v in row.items() if k != "date"} == {
            k: expected.get(k, 0) for k in row if k != "date"
        }
    assert sum(row["visits"] for row in truth) == small_run.summary.visits
    assert all(row["visits_with_order"] > 0 for row in truth)


def test_item_days_and_out_of_stock_views_match_recount(small_run):
    behaviour_bots = frozenset(
        (row["session_id"], row["visit_start"])
        for row in small_run.truth("visits.ndjson")
        if row["bot_reason"].startswith("behaviour:")
    )
    counted, seen_out = recount_item_days(small_run.records(), DEVICE_OF, behaviour_bots)
    truth = small_run.truth("item_days.ndjson")
    assert {(row["date"], row["item_id"]): row for row in truth}.keys() == counted.keys()
    for row in truth:
        expected = counted[(row["date"], row["item_id"])]
        assert {name: value for name, value in row.items() if name not in ("date", "item_id")} == {
            name: expected.get(name, 0) for name in row if name not in ("date", "item_id")
        }
    assert {(row["session_id"], row["visit_start"], row["product_id"])
            for row in small_run.truth("out_of_stock_views.ndjson")} == seen_out  # fmt: skip
    for name in ("views_out_of_stock", "visits_out_of_stock", "cart_attempts_out_of_stock"):
        assert sum(row[name] for row in truth) > 0, name


def test_cart_episodes_match_recount(small_run):
    truth = [
        {"cart_key": row["cart_key"], "episode_start": row["episode_start"],
         "last_changed_at": row["last_changed_at"], "status": row["status"],
         "ordered_at": row["ordered_at"],
         "lines": {item: list(line) for item, line in row["line_items"]}}
        for row in small_run.truth("carts.ndjson")
    ]  # fmt: skip
    assert truth == recount_carts(small_run.records())
    for row in small_run.truth("carts.ndjson"):
        lines = dict(row["line_items"])
        assert row["lines"] == len(lines) and row["units"] == sum(q for q, _ in lines.values())
        assert row["value"] == sum(qty * price for qty, price in lines.values())
    assert {row["status"] for row in truth} == {"ordered", "emptied", "open"}
    assert any(row["guest_sessions"] for row in small_run.truth("carts.ndjson"))


def test_visit_shape(small_run):
    visits = split_visits(small_run.records())
    assert len(visits) == small_run.summary.visits
    per_session = Counter(calls[0]["session_id"] for calls in visits)
    assert max(per_session.values()) >= 2  # a platform session spans several visits
    crossing = [calls for calls in visits if calls[0]["ts"][:10] != calls[-1]["ts"][:10]]
    assert crossing  # some visits cross midnight (UTC here)
    last_end: dict[str, object] = {}
    for calls in visits:
        stamps = [parse_ts(call["ts"]) for call in calls]
        assert stamps[-1] - stamps[0] < timedelta(hours=24)
        assert all(b - a <= timedelta(minutes=15) for a, b in itertools.pairwise(stamps))
        previous = last_end.get(calls[0]["session_id"])
        assert previous is None or stamps[0] - previous > timedelta(minutes=31)
        last_end[calls[0]["session_id"]] = stamps[-1]
    logged_in_midway = [
        calls
        for calls in visits
        if calls[0]["user_id"] is None and calls[-1]["user_id"] is not None
    ]
    assert logged_in_midway


def test_truth_has_every_device_type(small_run):
    devices = Counter(row["device_type"] for row in small_run.truth("visits.ndjson"))
    assert set(devices) == {"desktop", "mobile", "tablet", "bot"}
    assert devices["mobile"] > devices["desktop"] > devices["tablet"]


def test_local_days_across_a_dst_change(tmp_path):
    """Days are local: New York's 2026-11-01 has 25 hours; files and truth follow local dates."""
    done: list[str] = []
    run = simulate(
        tmp_path,
        days=3,
        start=date(2026, 10, 31),
        visits_per_day=150,
        timezone="America/New_York",
        on_day_done=done.append,
    )
    assert done == ["2026-10-31", "2026-11-01", "2026-11-02"]
    counted = recount(run.records(), DEVICE_OF, "America/New_York")
    truth = [{name: row[name] for name in VISIT_FIELDS} for row in run.truth("visits.ndjson")]
    truth.sort(key=lambda row: (parse_ts(row["visit_start"]), row["session_id"]))
    assert truth == counted["visits"]
    assert sorted(counted["days"]) == done
    assert [row["date"] for row in run.truth("days.ndjson")] == done
    first_file = sorted(run.out_dir.glob("calls-*"))[0]
    assert first_file.name == "calls-2026-10-31.ndjson"
    first = orjson.loads(first_file.read_bytes().splitlines()[0])
    assert first["ts"] >= "2026-10-31T04:00:00.000Z"  # local midnight is 04:00 UTC (EDT)
