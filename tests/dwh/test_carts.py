"""dwh.carts: cart episodes from hand-written cart calls (a guest cart taken up at login, absolute
line quantities, abandonment at its threshold, stock as of the table's day), and over a simulated
week against the simulator's truth, episode by episode."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from loupe.jobs.run import build_day, build_days, days_between
from loupe.settings import Settings, load_settings
from loupe.warehouse import Warehouse
from tests.helpers.builds import built_warehouse
from tests.helpers.calls import load
from tests.helpers.carts import add, carts, home, login, moment, order, remove
from tests.helpers.simulation import Run, simulate

D16, D19, D20, D21 = (date(2026, 11, day) for day in (16, 19, 20, 21))
AS_OF = datetime(2026, 11, 22, tzinfo=timezone.utc)  # the end of the newest built day, D21
STOCK = (
    "INSERT INTO history.stock_versions (item_id, quantity, updated_at, valid_from, version) "
    "VALUES (1, 0, '2026-11-16', '2026-11-16', 1), (2, 5, '2026-11-16', '2026-11-16', 1), "
    # At AS_OF itself: the next day's stock, not the table's.
    "(2, 1, '2026-11-22', '2026-11-22', 2)"
)


def episode(cart_key: str, start: datetime, last: datetime, lines: int, units: int,
            value: float, status: str, user_id: int = 0, ordered_at: datetime | None = None,
            days_to_order: int | None = None, visits: int | None = None,
            out_of_stock: int = 0) -> dict:  # fmt: skip
    return {
        "cart_key": cart_key, "episode_start": start, "user_id": user_id, "last_changed_at": last,
        "lines": lines, "units": units, "value": value, "status": status,
        "ordered_at": ordered_at, "days_to_order": days_to_order, "visits_before_order": visits,
        "lines_out_of_stock": out_of_stock, "as_of": AS_OF,
    }  # fmt: skip


def test_episodes_from_cart_calls(warehouse: Warehouse, settings: Settings) -> None:
    calls = [
        # Customer 5's cart (another browser), then a guest cart logging in as 5: the customer's
        # episode takes it up; ordered the next day at other prices (value: the lines' prices).
        add(moment(9), "c", 2, 1, 1, 300, user=5),
        add(moment(10), "g", 1, 2, 2, 100),
        login(moment(10, 5), "g", 5),
        home(moment(10, 6), "g", 5),
        order(moment(11, day=D21), "g", 5, [(1, 2, 110), (2, 1, 300)]),
        # A guest cart moving into an empty customer cart at registration keeps its start.
        add(moment(12), "n", 3, 1, 1, 50),
        login(moment(12, 10), "n", 9, endpoint="/api/v1/auth/register"),
        remove(moment(12, 20), "n", 3, user=9),
        # Emptied line by line (the line as it last stood: 2 units), refused calls change
        # nothing, then a new episode.
        add(moment(13), "e", 4, 1, 1, 70),
        add(moment(13, 1), "e", 4, 1, 2, 70),
        add(moment(13, 2), "e", 5, 1, 1, 20),
        remove(moment(13, 3), "e", 5),
        remove(moment(13, 4), "e", 4),
        add(moment(13, 5), "e", 6, 1, 0, 0, status=409),
        remove(moment(13, 6), "e", 6, status=404),
        add(moment(14), "e", 6, 3, 3, 10),
        # Left for days: item 1 is out of stock, item 2 not by the table's day.
        add(moment(10, day=D16), "a", 1, 1, 1, 100),
        add(moment(10, 1, day=D16), "a", 2, 2, 2, 200),
        # Idle exactly 72 hours at AS_OF (abandoned), and a minute less (open).
        add(moment(0, day=D19), "x", 7, 1, 1, 10),
        add(moment(0, 1, day=D19), "y", 7, 1, 1, 10),
    ]
    load(warehouse, calls)
    warehouse.command(STOCK)
    for day in (D16, D19, D20, D21):
        build_day(warehouse, settings, day)
    expected = [
        episode("s:a", moment(10, day=D16), moment(10, 1, day=D16), 2, 3, 500.0, "abandoned",
                out_of_stock=1),
        episode("s:e", moment(13), moment(13, 4), 1, 2, 140.0, "emptied"),
        episode("s:e", moment(14), moment(14), 1, 3, 30.0, "open"),
        episode("s:x", moment(0, day=D19), moment(0, day=D19), 1, 1, 10.0, "abandoned"),
        episode("s:y", moment(0, 1, day=D19), moment(0, 1, day=D19), 1, 1, 10.0, "open"),
        episode("u:5", moment(9), moment(11, day=D21), 2, 3, 500.0, "ordered", user_id=5,
                ordered_at=moment(11, day=D21), days_to_order=1, visits=3),
        episode("u:9", moment(12), moment(12, 20), 1, 1, 50.0, "emptied", user_id=9),
    ]  # fmt: skip
    assert carts(warehouse) == expected
    # A rebuild of an older day leaves the table as it is (as of the newest built day).
    build_day(warehouse, settings, D16)
    assert carts(warehouse) == expected


def test_the_idle_time_of_an_abandoned_cart_is_a_setting(
    warehouse: Warehouse, settings: Settings
) -> None:
    load(warehouse, [add(moment(10), "a", 1, 1, 1, 100), add(moment(22), "b", 1, 1, 1, 100)])
    build_day(warehouse, settings, date(2026, 11, 20))
    assert [row["status"] for row in carts(warehouse)] == ["open", "open"]
    build_day(warehouse, settings.model_copy(update={"cart_abandoned_after_hours": 12}), D20)
    assert [row["status"] for row in carts(warehouse)] == ["abandoned", "open"]


# -- a simulated week against the truth ----------------------------------------------------------

FIRST, DAYS = date(2026, 11, 16), 7
LAST = FIRST + timedelta(days=DAYS - 1)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return simulate(
        tmp_path_factory.mktemp("carts_sim"), days=DAYS, start=FIRST, visits_per_day=600
    )


@pytest.fixture(scope="module")
def week(
    run: Run, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Warehouse, Settings]]:
    base = tmp_path_factory.mktemp("carts_wh")
    settings = load_settings(data_dir=base / "wh", spool_dir=base / "spool", production_url="")
    with built_warehouse(settings, Path(run.out_dir), FIRST, LAST) as warehouse:
        yield warehouse, settings


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def expected_episodes(run: Run, as_of: datetime, idle_hours: int) -> dict[tuple, dict]:
    """The truth's episodes as dwh.carts must give them: an open cart is `abandoned` once idle
    `idle_hours` at `as_of`, and an ordered one counts the people's visits of its customer (or
    of the guest sessions it took up) that overlap it up to the order."""
    visits = [visit for visit in run.truth("visits.ndjson") if not visit["is_bot"]]
    expected = {}
    for row in run.truth("carts.ndjson"):
        status = row["status"]
        last = instant(row["last_changed_at"])
        if status == "open" and last + timedelta(hours=idle_hours) <= as_of:
            status = "abandoned"
        count = None
        if status == "ordered":
            count = sum(
                1
                for visit in visits
                if (
                    visit["user_id"] == row["user_id"]
                    or visit["session_id"] in row["guest_sessions"]
                )
                and visit["visit_start"] <= row["ordered_at"]
                and visit["visit_end"] >= row["episode_start"]
            )
        ordered_at = instant(row["ordered_at"]) if row["ordered_at"] else None
        expected[(row["cart_key"], instant(row["episode_start"]))] = {
            "user_id": row["user_id"] or 0, "last_changed_at": last, "lines": row["lines"],
            "units": row["units"], "value": float(row["value"]), "status": status,
            "ordered_at": ordered_at, "days_to_order": row["days_to_order"],
            "visits_before_order": count,
        }  # fmt: skip
    return expected


@pytest.mark.slow
def test_every_episode_matches_the_truth(week: tuple[Warehouse, Settings], run: Run) -> None:
    warehouse, settings = week
    rows = warehouse.rows("SELECT * FROM dwh.carts")
    newest_call = max(instant(visit["visit_end"]) for visit in run.truth("visits.ndjson"))
    as_of = datetime.combine(
        newest_call.date() + timedelta(days=1), datetime.min.time(), timezone.utc
    )
    assert {row["as_of"] for row in rows} == {as_of}
    got = {
        (row["cart_key"], row["episode_start"]): {
            name: row[name] for name in ("user_id", "last_changed_at", "lines", "units", "value",
                                         "status", "ordered_at", "days_to_order",
                                         "visits_before_order")
        }
        for row in rows
    }  # fmt: skip
    expected = expected_episodes(run, as_of, settings.cart_abandoned_after_hours)
    assert got == expected
    assert all(row["lines_out_of_stock"] == 0 for row in rows)  # no production database here
    # The cases the table is for are all in the week.
    truth = run.truth("carts.ndjson")
    statuses = [row["status"] for row in expected.values()]
    assert {status: statuses.count(status) for status in set(statuses)} == {
        "ordered": 139, "emptied": 207, "open": 127, "abandoned": 116
    }  # fmt: skip
    assert sum(row["days_to_order"] >= 1 for row in expected.values() if row["days_to_order"]) >= 5
    assert sum(bool(row["guest_sessions"]) for row in truth) >= 50  # guest carts taken up
    assert sum(row["user_id"] is None for row in truth) >= 100  # guest carts of their own
    assert max(row["visits_before_order"] or 0 for row in expected.values()) >= 3


@pytest.mark.slow
def test_a_rebuild_of_any_day_leaves_the_carts_unchanged(
    week: tuple[Warehouse, Settings],
) -> None:
    warehouse, settings = week
    checksum = "SELECT count() AS n, sum(cityHash64(*)) AS h FROM dwh.carts"
    before = warehouse.rows(checksum)
    build_day(warehouse, settings, FIRST + timedelta(days=2))
    assert warehouse.rows(checksum) == before
    build_days(warehouse, settings, days_between(FIRST, LAST))
    assert warehouse.rows(checksum) == before
