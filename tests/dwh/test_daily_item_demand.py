"""dwh.daily_item_demand: people's demand for each item and its stock-outs, from hand-written
calls and stock histories, then on simulated days whose history was snapshotted as of each of
the simulator's commits (built with late calls and hourly runs), against the simulator's truth
and the definitions computed again in Python (tests/helpers/demand.py).

The simulated tests come last: their warehouse stays open for the rest of the module."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone

import pytest

from loupe.history.run import snapshot_each_commit
from loupe.job_runs import day_bounds
from loupe.jobs.hourly import run_hourly
from loupe.jobs.run import build_day, build_days, days_between
from loupe.schema.ddl import DDL
from loupe.schema.migrate import migrate
from loupe.settings import Settings, load_settings
from loupe.warehouse import Warehouse, open_warehouse
from tests.helpers.builds import FIRST, LAST, build_holding_back, receive_late_and_repeated
from tests.helpers.calls import DAY, GOOGLEBOT, at, call, cart_add, load
from tests.helpers.demand import lost_revenue, out_of_stock_minutes
from tests.helpers.dwh import checksums
from tests.helpers.simulation import Run, simulate

COUNTS = (
    "views, views_out_of_stock, visits_out_of_stock, cart_adds, cart_attempts_out_of_stock, "
    "purchased_qty, revenue"
)


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.utc)


def stock_versions(warehouse: Warehouse, item_id: int, steps: list[tuple]) -> None:
    """Versions 1, 2... of an item's stock: `(valid_from, quantity)`, or `(valid_from, quantity,
    True)` for a deletion version (the key gone from the source)."""
    rows = [
        {"item_id": item_id, "quantity": step[1], "updated_at": step[0], "valid_from": step[0],
         "version": n, "is_deleted": int(len(step) > 2 and step[2])}
        for n, step in enumerate(steps, start=1)
    ]  # fmt: skip
    for row in rows:
        warehouse.command(
            "INSERT INTO history.stock_versions (item_id, quantity, updated_at, valid_from, "
            "version, row_hash, is_deleted, snapshot_id) VALUES ({item_id:Int64}, "
            "{quantity:Int64}, {updated_at:DateTime64(3, 'UTC')}, "
            "{valid_from:DateTime64(3, 'UTC')}, {version:UInt32}, 0, {is_deleted:UInt8}, 0)",
            row,
        )


def item_versions(warehouse: Warehouse, item_id: int, section: str, prices: list[tuple]) -> None:
    """Versions of a catalog item: `(valid_from, price)` each."""
    for n, (valid_from, price) in enumerate(prices, start=1):
        warehouse.command(
            "INSERT INTO history.items_versions (id, sku, section, material, price, updated_at, "
            "valid_from, version, row_hash, is_deleted, snapshot_id) VALUES ({id:Int64}, 'S', "
            "{section:String}, 'gold', {price:Int64}, {at:DateTime64(3, 'UTC')}, "
            "{at:DateTime64(3, 'UTC')}, {version:UInt32}, 0, 0, 0)",
            {"id": item_id, "section": section, "price": price, "at": valid_from, "version": n},
        )


def minutes(warehouse: Warehouse, day: date) -> dict[int, float]:
    rows = warehouse.rows(
        "SELECT item_id, out_of_stock_minutes FROM dwh.daily_item_demand WHERE date = {day:Date}",
        {"day": day},
    )
    return {row["item_id"]: row["out_of_stock_minutes"] for row in rows}


def test_out_of_stock_minutes_read_the_stock_versions_as_steps(
    warehouse: Warehouse, settings: Settings
) -> None:
    before, after = DAY - timedelta(days=1), DAY + timedelta(days=1)
    stock_versions(warehouse, 1, [(utc(before, 8), 4), (utc(DAY, 10), 0), (utc(DAY, 14, 30), 6)])
    # Out from 22:00 the day before until 03:00.
    stock_versions(warehouse, 2, [(utc(before, 8), 1), (utc(before, 22), 0), (utc(DAY, 3), 5)])
    stock_versions(warehouse, 3, [(utc(before, 8), 5), (utc(DAY, 9), 3)])  # never out
    stock_versions(warehouse, 4, [(utc(before, 8), 0)])  # out all day
    # Out until 06:00, restocked, out again from 20:00; the restock at midnight is the next day's.
    stock_versions(
        warehouse, 5, [(utc(before, 8), 0), (utc(DAY, 6), 2), (utc(DAY, 20), 0), (utc(after, 0), 9)]
    )
    # No version before noon: unknown until then, then out.
    stock_versions(warehouse, 6, [(utc(DAY, 12), 0)])
    # Out from 16:00, gone from the source at 18:00 (a deletion version: unknown).
    stock_versions(warehouse, 7, [(utc(before, 8), 0), (utc(DAY, 16), 0), (utc(DAY, 18), 0, True)])
    for day in (before, DAY, after):
        build_day(warehouse, settings, day)
    assert minutes(warehouse, before) == {2: 120.0, 4: 960.0, 5: 960.0, 7: 960.0}
    assert minutes(warehouse, DAY) == {
        1: 270.0, 2: 180.0, 4: 1440.0, 5: 600.0, 6: 720.0, 7: 1080.0
    }  # fmt: skip
    assert minutes(warehouse, after) == {4: 1440.0, 6: 1440.0}
    # Rows of stock-outs alone count no demand.
    demand = warehouse.rows(f"SELECT DISTINCT {COUNTS} FROM dwh.daily_item_demand")
    assert demand == [dict.fromkeys(COUNTS.split(", "), 0) | {"revenue": 0.0}]


def test_out_of_stock_minutes_of_a_day_with_a_clock_change(
    warehouse: Warehouse, settings: Settings
) -> None:
    """Paris leaves summer time on 2026-10-25: the business day lasts 25 hours."""
    paris = settings.model_copy(update={"timezone": "Europe/Paris"})
    day = date(2026, 10, 25)
    stock_versions(warehouse, 1, [(utc(day, 0) - timedelta(days=3), 0)])
    # Out from the local midnight (22:00 UTC) until 07:00 local (06:00 UTC): 8 hours elapsed.
    stock_versions(
        warehouse, 2, [(utc(day, 0) - timedelta(days=3), 1), (utc(day, 0) - timedelta(hours=2), 0),
                       (utc(day, 6), 3)]
    )  # fmt: skip
    build_day(warehouse, paris, day)
    assert minutes(warehouse, day) == {1: 1500.0, 2: 480.0}


def page(
    minute: int, session: str, product_id: int, stock: int, status: int = 200, day: date = DAY
) -> dict:
    """A product page at 12:`minute` of `day` answering with the item's stock."""
    response = {"id": product_id, "price": 99, "stock": stock}
    if status >= 400:
        response = {"error": "not_found"}
    endpoint = f"/api/v1/products/{product_id}"
    return call(at(12, minute, day=day), session, endpoint=endpoint, status=status,
                response=response)  # fmt: skip


def order(
    minute: int, session: str, product_id: int, qty: int, price: int, day: date = DAY
) -> dict:
    """An order of one line at 12:`minute` of `day`."""
    request = {"items": [{"product_id": product_id, "qty": qty, "price": price}]}
    return call(at(12, minute, day=day), session, method="POST", endpoint="/api/v1/orders",
                request=request, response={"order_id": minute, "total": qty * price})  # fmt: skip


def test_views_out_of_stock_and_refused_cart_adds_by_item(
    warehouse: Warehouse, settings: Settings
) -> None:
    calls = [
        # A visit sees item 7 out of stock twice and is refused it; it buys item 8.
        page(1, "a", 7, 0),
        page(2, "a", 7, 0),
        {**cart_add(3, 7, status=409), "session_id": "a"},
        page(4, "a", 8, 3),
        {**cart_add(5, 8), "session_id": "a"},
        order(6, "a", 8, 1, 99),
        # Another visit sees it out of stock, then back in stock.
        page(10, "b", 7, 0),
        page(11, "b", 7, 2),
        # A page not found and a cart add that failed on the server count nowhere.
        page(20, "c", 9, 0, status=404),
        {**cart_add(21, 9, status=503), "session_id": "c"},
        # A crawler's view is left out.
        {**page(30, "bot", 7, 0), "user_agent": GOOGLEBOT},
    ]
    load(warehouse, calls)
    build_day(warehouse, settings, DAY)
    rows = warehouse.rows(
        f"SELECT item_id, {COUNTS}, out_of_stock_minutes, price, lost_revenue_estimate "
        "FROM dwh.daily_item_demand ORDER BY item_id"
    )
    no_history = {"out_of_stock_minutes": 0.0, "price": 0.0, "lost_revenue_estimate": 0.0}
    assert rows == [
        {"item_id": 7, "views": 4, "views_out_of_stock": 3, "visits_out_of_stock": 2,
         "cart_adds": 0, "cart_attempts_out_of_stock": 1, "purchased_qty": 0, "revenue": 0.0,
         **no_history},
        {"item_id": 8, "views": 1, "views_out_of_stock": 0, "visits_out_of_stock": 0,
         "cart_adds": 1, "cart_attempts_out_of_stock": 0, "purchased_qty": 1, "revenue": 99.0,
         **no_history},
    ]  # fmt: skip


def test_lost_revenue_estimate_from_the_rates_of_the_28_days_before(
    warehouse: Warehouse, settings: Settings
) -> None:
    before, first, outside = DAY - timedelta(days=1), DAY - timedelta(days=28), DAY - timedelta(29)
    long_ago = utc(DAY, 0) - timedelta(days=60)
    item_versions(warehouse, 1, "rings", [(long_ago, 1000), (utc(DAY, 15), 1200),
                                          (utc(DAY + timedelta(days=1), 0), 1500)])  # fmt: skip
    item_versions(warehouse, 2, "rings", [(long_ago, 2000)])
    item_versions(warehouse, 3, "rings", [(long_ago, 3000)])
    item_versions(warehouse, 5, "watches", [(long_ago, 500)])
    earlier = {
        # 29 days before: outside the window.
        outside: [page(0, "o", 1, 4, day=outside), order(1, "o", 1, 5, 1000, day=outside)],
        # 28 days before: item 2 viewed in stock, not bought.
        first: [page(0, "f", 2, 4, day=first)],
        # The day before: item 1 viewed 4 times in stock (and once out) and bought once, item 2
        # viewed 4 times and bought twice, item 3 only seen out of stock.
        before: [
            *(page(n, f"b{n}", 1, 3, day=before) for n in range(4)),
            page(5, "b5", 1, 0, day=before),
            order(6, "b0", 1, 1, 1000, day=before),
            *(page(10 + n, f"c{n}", 2, 3, day=before) for n in range(4)),
            order(15, "c0", 2, 2, 2000, day=before),
            page(20, "d", 3, 0, day=before),
            page(21, "d", 3, 0, day=before),
        ],
    }
    for day in sorted(earlier):
        load(warehouse, earlier[day])
        build_day(warehouse, settings, day)
    # The day: views out of stock of each item; 5 is a watch with no earlier rate in its section,
    # 6 has no catalog history (no price).
    load(warehouse, [page(0, "x", 1, 0), page(1, "y", 1, 0), page(2, "x", 2, 0),
                     *(page(3 + n, "z", 3, 0) for n in range(3)), page(9, "x", 5, 0),
                     page(10, "x", 6, 0)])  # fmt: skip
    build_day(warehouse, settings, DAY)
    rows = warehouse.rows(
        "SELECT date, item_id, section, views, views_out_of_stock, purchased_qty, price, "
        "lost_revenue_estimate FROM dwh.daily_item_demand ORDER BY date, item_id"
    )
    today = {row["item_id"]: row for row in rows if row["date"] == DAY}
    # Item 1: 1 bought / 4 in-stock views; item 2: 2 / 5 (the 28th day before counts); item 3,
    # no in-stock view: the rings' rate, (1 + 2) / (4 + 5); the price as of the day's end.
    assert {item: (row["section"], row["price"], row["lost_revenue_estimate"])
            for item, row in today.items()} == {
        1: ("rings", 1200.0, 2 * (1 / 4) * 1200),
        2: ("rings", 2000.0, 1 * (2 / 5) * 2000),
        3: ("rings", 3000.0, 3 * (3 / 9) * 3000),
        5: ("watches", 500.0, 0.0),
        6: ("", 0.0, 0.0),
    }  # fmt: skip
    assert lost_revenue(rows, DAY) == {
        item: row["lost_revenue_estimate"] for item, row in today.items()
    }


Simulated = tuple[Warehouse, Run, Settings]
# A draw of this size with out-of-stock views (some visits seeing an item out twice), cart adds
# refused as out of stock, and stock-outs on later days of items with and without in-stock views
# before (the two ways the lost revenue is estimated). 800 visits a day over 100 items.
DRAW = {"items": 100, "visits_per_day": 800, "seed": 7}


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulated]:
    """Three simulated days, history snapshotted as of each commit of the simulator; built from
    the calls received before a cutoff, then the rest received late and taken in by hourly runs
    (tests/helpers/builds.py)."""
    base = tmp_path_factory.mktemp("item_demand")
    settings = load_settings(
        data_dir=base / "wh", spool_dir=base / "spool",
        production_url=f"sqlite:///{base / 'sim' / 'shop.sqlite'}",
    )  # fmt: skip
    (base / "sim").mkdir()
    with open_warehouse(settings) as warehouse:
        migrate(warehouse, DDL())
        run = simulate(base / "sim", on_commit=snapshot_each_commit(settings, warehouse), **DRAW)
        build_holding_back(warehouse, settings, run.out_dir)
        run_hourly(warehouse, settings)
        receive_late_and_repeated(warehouse)
        assert run_hourly(warehouse, settings).days == [DAY, LAST]
        yield warehouse, run, settings


@pytest.mark.slow
def test_simulated_demand_matches_truth(simulated: Simulated) -> None:
    warehouse, run, _ = simulated
    columns = COUNTS.split(", ")
    rows = warehouse.rows(
        f"SELECT toString(date) AS date, item_id, {COUNTS} FROM dwh.daily_item_demand "
        "WHERE views + cart_adds + cart_attempts_out_of_stock + purchased_qty > 0"
    )
    got = {(row["date"], row["item_id"]): [row[name] for name in columns] for row in rows}
    truth = run.truth("item_days.ndjson")
    assert got == {(row["date"], row["item_id"]): [row[name] for name in columns] for row in truth}
    totals = {name: sum(row[name] for row in truth) for name in columns}
    assert totals["views_out_of_stock"] > totals["visits_out_of_stock"] > 0
    assert totals["cart_attempts_out_of_stock"] > 0 and totals["purchased_qty"] > 0


@pytest.mark.slow
def test_simulated_stock_outs_follow_the_stock_history(simulated: Simulated) -> None:
    warehouse, run, _ = simulated
    versions: dict[int, list[dict]] = {}
    for row in warehouse.rows(
        "SELECT item_id, version, valid_from, quantity, is_deleted FROM history.stock_versions"
    ):
        versions.setdefault(row["item_id"], []).append(row)
    assert len(versions) == DRAW["items"]
    got = {
        (row["date"], row["item_id"]): row["out_of_stock_minutes"]
        for row in warehouse.rows(
            "SELECT date, item_id, out_of_stock_minutes FROM dwh.daily_item_demand "
            "WHERE out_of_stock_minutes > 0"
        )
    }
    expected = {}
    for day in days_between(FIRST, LAST):
        start, end = day_bounds(day, run.options.timezone)
        for item_id, steps in versions.items():
            minutes = out_of_stock_minutes(steps, start, end)
            if minutes:
                expected[(day, item_id)] = minutes
    assert got == expected
    assert 0 < sum(minutes < 1440 for minutes in got.values()) < len(got)


@pytest.mark.slow
def test_simulated_lost_revenue_follows_its_formula(simulated: Simulated) -> None:
    warehouse, _, _ = simulated
    rows = warehouse.rows(
        "SELECT date, item_id, section, views, views_out_of_stock, purchased_qty, price, "
        "lost_revenue_estimate FROM dwh.daily_item_demand"
    )
    for day in days_between(FIRST, LAST):
        got = {row["item_id"]: row["lost_revenue_estimate"] for row in rows if row["date"] == day}
        assert got == lost_revenue(rows, day), day
    assert all(row["price"] > 0 and row["section"] for row in rows)
    # Estimates from an item's own rate and from its section's.
    own_rate = {
        any(earlier["item_id"] == row["item_id"] and earlier["date"] < row["date"]
            and earlier["views"] > earlier["views_out_of_stock"] for earlier in rows)
        for row in rows if row["lost_revenue_estimate"] > 0
    }  # fmt: skip
    assert own_rate == {True, False}


@pytest.mark.slow
def test_simulated_hourly_runs_agree_with_a_full_rebuild(simulated: Simulated) -> None:
    warehouse, _, settings = simulated
    after_hourly = checksums(warehouse)
    assert after_hourly["daily_item_demand"][0] > 0
    build_days(warehouse, settings, days_between(FIRST, LAST))
    assert checksums(warehouse) == after_hourly
