"""The emitted calls: record format, every endpoint, failures and retries, searches, late and
duplicated calls at the configured rates."""

from __future__ import annotations

import itertools
import re
import uuid
from collections import Counter

from loupe.simulate.queries import normalize_query, resolve_query
from tests.helpers.recount import parse_ts

TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
FIELDS = [
    "event_id", "ts", "session_id", "user_id", "method", "endpoint", "status", "duration_ms",
    "request", "response", "user_agent", "ip", "referer",
]  # fmt: skip
ENDPOINTS = {
    ("GET", "/api/v1/catalog"),
    ("GET", "/api/v1/search/suggest"),
    ("GET", "/api/v1/products/{id}"),
    ("POST", "/api/v1/favorites"),
    ("DELETE", "/api/v1/favorites/{id}"),
    ("GET", "/api/v1/favorites"),
    ("POST", "/api/v1/cart"),
    ("DELETE", "/api/v1/cart/{id}"),
    ("GET", "/api/v1/cart"),
    ("POST", "/api/v1/orders"),
    ("POST", "/api/v1/auth/register"),
    ("POST", "/api/v1/auth/login"),
    ("GET", "/api/v1/home"),
    ("GET", "/api/v1/banners"),
    ("GET", "/api/v1/menu"),
}


def _unique(records: list[dict]) -> list[dict]:
    seen: dict[str, dict] = {}
    for record in records:
        seen.setdefault(record["event_id"], record)
    return list(seen.values())


def test_record_format(small_run):
    """Every field of the contract; `page_referrer` unless the visit's frontend sends none."""
    without_page_referrer = 0
    for record in small_run.records():
        without_page_referrer += "page_referrer" not in record
        assert list(record) in (FIELDS, [*FIELDS, "page_referrer"])
        assert TS.match(record["ts"])
        assert uuid.UUID(record["event_id"]).version == 4
        assert isinstance(record["request"], dict) and isinstance(record["response"], dict)
        assert record["user_id"] is None or isinstance(record["user_id"], int)
    assert 0 < without_page_referrer < len(small_run.records()) / 2


def test_every_endpoint_and_failure_kind_appears(small_run):
    seen = Counter()
    statuses = Counter()
    for record in small_run.records():
        endpoint = re.sub(r"/\d+$", "/{id}", record["endpoint"])
        seen[(record["method"], endpoint)] += 1
        statuses[record["status"]] += 1
    assert set(seen) == ENDPOINTS
    assert {401, 404, 409, 429} <= set(statuses)
    assert sum(n for status, n in statuses.items() if status >= 500) > 0
    assert statuses[200] > 0.9 * sum(statuses.values())


def test_server_errors_are_retried_with_new_event_ids(small_run):
    by_session: dict[str, list[dict]] = {}
    for record in _unique(small_run.records()):
        by_session.setdefault(record["session_id"], []).append(record)
    retried = 0
    for calls in by_session.values():
        calls.sort(key=lambda r: r["ts"])
        for failed, following in itertools.pairwise(calls):
            if failed["status"] >= 500 and (
                following["method"],
                following["endpoint"],
                following["request"],
            ) == (failed["method"], failed["endpoint"], failed["request"]):
                assert following["event_id"] != failed["event_id"]
                retried += 1
    assert retried > 0


def test_user_id_is_carried_after_login(small_run):
    by_session: dict[str, list[dict]] = {}
    for record in _unique(small_run.records()):
        by_session.setdefault(record["session_id"], []).append(record)
    logins = 0
    for calls in by_session.values():
        calls.sort(key=lambda r: r["ts"])
        for call, after in itertools.pairwise(calls):
            is_auth = call["endpoint"] in ("/api/v1/auth/login", "/api/v1/auth/register")
            if is_auth and call["status"] == 200:
                assert after["user_id"] == call["response"]["user_id"]
                logins += 1
    assert logins > 10


def test_searches_vary_like_real_ones(small_run):
    searches = [
        r["request"]
        for r in _unique(small_run.records())
        if r["endpoint"] == "/api/v1/catalog" and r["status"] == 200 and "q" in r["request"]
    ]
    queries = [s["q"] for s in searches]
    assert any(re.search("[\u0430-\u044f]", q) for q in queries)  # Cyrillic
    assert any(q != normalize_query(q) for q in queries)  # case and whitespace variants
    assert any(resolve_query(q) is None for q in queries)  # zero-result searches
    listings = [
        r["request"]
        for r in small_run.records()
        if r["endpoint"] == "/api/v1/catalog" and r["status"] == 200
    ]
    assert any(r.get("page", 1) > 1 for r in listings)
    assert any("sort" in r for r in listings)
    assert any("material" in r or "stone" in r or "metal" in r for r in listings)
    assert any("price_min" in r or "price_max" in r for r in listings)
    assert any(r.get("per_page") == 48 for r in listings)


def test_duplicates_at_configured_rate(small_run):
    records = small_run.records()
    counts = Counter(r["event_id"] for r in records)
    duplicated = [event_id for event_id, n in counts.items() if n > 1]
    distinct = len(counts)
    assert distinct == small_run.summary.distinct_calls
    assert len(records) == distinct + len(duplicated) == small_run.summary.calls
    assert 0.75 < len(duplicated) / distinct / small_run.options.duplicate_rate < 1.25
    lines_by_id: dict[str, set[bytes]] = {}
    for line, record in zip(small_run.lines(), records):
        lines_by_id.setdefault(record["event_id"], set()).add(line)
    assert all(len(lines_by_id[event_id]) == 1 for event_id in duplicated)  # same content


def test_late_calls_at_configured_rate(small_run):
    """A call is late by how far the newest ts seen before it (in arrival order) is past its ts."""
    newest = None
    late = very_late = 0
    firsts = []
    seen: set[str] = set()
    for record in small_run.records():
        if record["event_id"] in seen:
            continue
        seen.add(record["event_id"])
        ts = parse_ts(record["ts"])
        if newest is not None and (newest - ts).total_seconds() > 60:
            late += 1
            very_late += (newest - ts).total_seconds() > 6 * 3600
        newest = ts if newest is None else max(newest, ts)
        firsts.append(ts)
    options = small_run.options
    share = late / len(seen)
    # Calls late by under a minute, or arriving before anything newer, are not detectable here.
    assert 0.6 < share / (options.late_rate + options.very_late_rate) < 1.2
    assert 0.5 < very_late / len(seen) / options.very_late_rate < 1.3
    assert small_run.summary.late_calls > 0
