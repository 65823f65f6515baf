"""Hourly runs rebuild only the visits new calls can change, and agree with a full rebuild."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from loupe.errors import LoupeError
from loupe.jobs.hourly import run_hourly
from loupe.jobs.run import build_day, build_days, days_between
from loupe.settings import Settings, load_settings
from loupe.warehouse import Warehouse, open_warehouse
from tests.helpers.builds import FIRST, LAST, build_holding_back, receive_late_and_repeated
from tests.helpers.calls import DAY, at, call, load
from tests.helpers.dwh import checksums, table_away, visits
from tests.helpers.simulation import simulate

pytestmark = pytest.mark.slow  # simulated days built, seconds per hourly run


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    base = tmp_path_factory.mktemp("etl_hourly")
    return load_settings(data_dir=base / "wh", spool_dir=base / "spool", production_url="")


@pytest.fixture(scope="module")
def warehouse(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """Two simulated days, built in full from the calls received before the cutoff."""
    run = simulate(tmp_path_factory.mktemp("etl_hourly_sim"), days=2, visits_per_day=1500)
    with open_warehouse(settings) as opened:
        build_holding_back(opened, settings, Path(run.out_dir))
        yield opened


def test_hourly_runs_agree_with_a_full_rebuild(warehouse: Warehouse, settings: Settings) -> None:
    first = run_hourly(warehouse, settings)  # the last 6 hours of what was received
    assert first.results and all(r.rows > 0 for r in first.results if r.job == "sessions")
    receive_late_and_repeated(warehouse)
    second = run_hourly(warehouse, settings)
    assert second.calls > 1000 and second.days
    rebuilt = warehouse.scalar("SELECT count() FROM etl.affected_visits")
    day_visits = warehouse.scalar(
        "SELECT count() FROM dwh.sessions WHERE date = {d:Date}", {"d": DAY}
    )
    assert 0 < rebuilt < day_visits / 2  # only the visits the calls can change
    after_hourly = checksums(warehouse)
    build_days(warehouse, settings, days_between(FIRST, LAST))
    assert checksums(warehouse) == after_hourly


@pytest.fixture
def empty(warehouse: Warehouse) -> Warehouse:
    for database in ("pd", "dwh", "etl"):
        for table in warehouse.scalar(
            "SELECT groupArray(name) FROM system.tables WHERE database = {db:String} "
            "AND engine LIKE '%MergeTree'",
            {"db": database},
        ):
            warehouse.command(f"TRUNCATE TABLE {database}.{table}")
    return warehouse


def test_a_late_call_joins_two_visits(empty: Warehouse, settings: Settings) -> None:
    load(empty, [call(at(10, 0)), call(at(10, 10)), call(at(10, 50)), call(at(11, 0))])
    build_day(empty, settings, DAY)
    run_hourly(empty, settings)
    assert len(visits(empty)) == 2
    load(empty, [call(at(10, 30))])  # 20 minutes from both: one visit of five calls
    assert run_hourly(empty, settings).calls == 1
    [visit] = visits(empty)
    assert (visit["calls"], visit["start_ts"].hour, visit["end_ts"].hour) == (5, 10, 11)


def test_a_visit_rebuilt_by_successive_runs_keeps_every_call(
    empty: Warehouse, settings: Settings
) -> None:
    """Each run reads the visit as the previous run rebuilt it, not as the full build left it:
    replaced rows stay in etl.visit_calls under an older version."""
    load(empty, [call(at(10)), call(at(10, 10))])
    build_day(empty, settings, DAY)
    run_hourly(empty, settings)
    for minute in (20, 25):
        load(empty, [call(at(10, minute))])
        assert run_hourly(empty, settings).calls == 1
    [visit] = visits(empty)
    assert visit["calls"] == 4
    versions = empty.rows(
        "SELECT version, count() AS calls FROM etl.visit_calls GROUP BY version ORDER BY version"
    )
    # The full build, the first run (everything received), then the two runs of one call each.
    assert [row["calls"] for row in versions] == [2, 2, 3, 4]


def test_hints_with_the_model_arriving_in_an_hourly_run_retype_the_visit(
    empty: Warehouse, settings: Settings
) -> None:
    """A later call bringing the model (the hints of a phone asking for the desktop site) changes
    the visit's device type, in the hourly run as in a full build."""
    agent = (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36"
    )
    hints = {"mobile": "?0", "platform": "Android"}
    load(empty, [call(at(10), user_agent=agent, client_hints=hints)])
    build_day(empty, settings, DAY)
    run_hourly(empty, settings)
    assert [v["device_type"] for v in visits(empty)] == ["tablet"]
    load(empty, [call(at(10, 5), user_agent=agent, client_hints=hints | {"model": "Pixel 7"})])
    assert run_hourly(empty, settings).calls == 1
    assert [v["device_type"] for v in visits(empty)] == ["mobile"]
    after_hourly = checksums(empty)
    build_day(empty, settings, DAY)
    assert checksums(empty) == after_hourly


def test_an_earlier_visit_of_the_user_makes_a_later_one_returning(
    empty: Warehouse, settings: Settings
) -> None:
    load(empty, [call(at(12), session="phone", user_id=42), call(at(13), session="other")])
    build_day(empty, settings, DAY)
    run_hourly(empty, settings)
    assert [v["is_returning"] for v in visits(empty)] == [0, 0]
    load(empty, [call(at(11), session="laptop", user_id=42)])  # late, inside the lookback
    run_hourly(empty, settings)
    returning = {v["session_id"]: v["is_returning"] for v in visits(empty)}
    assert returning == {"laptop": 0, "phone": 1, "other": 0}


def test_a_day_without_its_parsed_calls_is_built_in_full(
    empty: Warehouse, settings: Settings
) -> None:
    load(empty, [call(at(10)), call(at(10, 5))])
    build_day(empty, settings, DAY)
    run_hourly(empty, settings)
    empty.command("TRUNCATE TABLE etl.visit_calls")  # as after a migration recreated it
    load(empty, [call(at(10, 20))])
    run_hourly(empty, settings)
    [visit] = visits(empty)
    assert visit["calls"] == 3
    assert empty.scalar("SELECT count() FROM etl.visit_calls") == 3


@pytest.mark.parametrize(("other_visit_of_the_user", "returning"), [(False, 0), (True, 1)])
def test_a_user_that_leaves_a_day_in_an_hourly_run_leaves_it_for_later_days(
    empty: Warehouse, settings: Settings, other_visit_of_the_user: bool, returning: int
) -> None:
    next_day = DAY + timedelta(days=1)
    calls = [call(at(23), session="a", user_id=42), call(at(1, day=next_day), "b", user_id=42)]
    if other_visit_of_the_user:
        calls.append(call(at(20), session="c", user_id=42))
    load(empty, calls)
    build_day(empty, settings, DAY)
    build_day(empty, settings, next_day)
    run_hourly(empty, settings)
    assert [v["is_returning"] for v in visits(empty, next_day)] == [1]
    # A late call moves visit a's last user to 43: user 42 keeps DAY only through visit c.
    load(empty, [call(at(23, 10), session="a", user_id=43)])
    run_hourly(empty, settings)
    assert visits(empty)[-1]["user_id"] == 43
    build_day(empty, settings, next_day)  # later days follow in their next build
    assert [v["is_returning"] for v in visits(empty, next_day)] == [returning]


def test_a_run_retried_after_a_failure_counts_each_call_once(
    empty: Warehouse, settings: Settings
) -> None:
    """A failed run leaves no parsed calls behind: its retry, which processes the same calls
    under the same version, and the runs after it read each call once."""
    load(empty, [call(at(10)), call(at(10, 10))])
    build_day(empty, settings, DAY)
    run_hourly(empty, settings)
    load(empty, [call(at(10, 20))])
    with table_away(empty, "etl.product_sessions"), pytest.raises(LoupeError):
        run_hourly(empty, settings)
    assert run_hourly(empty, settings).calls == 1  # the retry: the same call, the same version
    load(empty, [call(at(10, 30))])
    assert run_hourly(empty, settings).calls == 1
    [visit] = visits(empty)
    assert visit["calls"] == 4


def test_a_call_delivered_twice_with_two_times_counts_once_as_in_a_full_build(
    empty: Warehouse, settings: Settings
) -> None:
    """Copies of a call (one event_id) with different times: the first in time counts, in an
    hourly run as in a full build."""
    load(empty, [call(at(10)), call(at(10, 10))])
    build_day(empty, settings, DAY)
    run_hourly(empty, settings)
    twice = call(at(10, 25))
    # Two deliveries, two parts, the later copy first (with another call: a batch of the same
    # event ids would be dropped as a repeat by the ingestion's deduplication).
    load(empty, [twice, call(at(10, 25), session="s2")])
    load(empty, [{**twice, "ts": at(10, 20)}])
    assert run_hourly(empty, settings).calls == 3
    hourly = visits(empty)
    build_day(empty, settings, DAY)
    assert visits(empty) == hourly
    assert [(v["session_id"], v["calls"], v["end_ts"].minute) for v in hourly] == [
        ("s1", 3, 20),
        ("s2", 1, 25),
    ]
