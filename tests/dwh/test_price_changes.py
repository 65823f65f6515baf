"""dwh.price_changes: people's demand for an item on the days around each of its price changes,
from hand-written versions and calls, and against the simulator's truth over a simulated week
whose history is snapshotted as of each commit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone

import pytest

from loupe.history.run import ensure_link
from loupe.history.snapshot import run_snapshot
from loupe.ingest.files import ingest_files
from loupe.ingest.hash_key import hash_key
from loupe.ingest.writer import open_writer
from loupe.jobs.audit import run_audits
from loupe.jobs.run import build_day, build_days, days_between
from loupe.schema.ddl import DDL
from loupe.schema.migrate import migrate
from loupe.settings import Settings, load_settings
from loupe.warehouse import Warehouse, open_warehouse
from tests.helpers.calls import GOOGLEBOT, at, call, load
from tests.helpers.simulation import Run, simulate

COLUMNS = "item_id, changed_at, old_price, new_price, day_offset, views, cart_adds, purchased_qty"
TABLE_SQL = f"SELECT {COLUMNS} FROM dwh.price_changes ORDER BY item_id, changed_at, day_offset"
CHECKSUM_SQL = "SELECT count() AS n, sum(cityHash64(*)) AS h FROM dwh.price_changes"
VERSION_SQL = """
INSERT INTO history.items_versions (id, sku, section, material, price, old_price, updated_at,
    valid_from, version, row_hash, is_deleted, snapshot_id)
VALUES ({id:Int64}, 'RNG', 'rings', 'gold', {price:Int64}, nullIf({old_price:Int64}, 0),
    {at:DateTime64(3, 'UTC')}, {at:DateTime64(3, 'UTC')}, {version:UInt32},
    cityHash64({price:Int64}, {old_price:Int64}), {deleted:UInt8}, {version:UInt32})
"""


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def add_version(
    warehouse: Warehouse,
    item: int,
    version: int,
    at_: str,
    price: int,
    old_price: int = 0,
    deleted: bool = False,
) -> None:
    """A version of an item in history, seen first at `at_` (UTC); `old_price` 0 is NULL."""
    params = {
        "id": item,
        "version": version,
        "at": utc(at_),
        "price": price,
        "old_price": old_price,
        "deleted": int(deleted),
    }
    warehouse.command(VERSION_SQL, params)


def views(day: date, product_id: int, count: int, session: str = "s1", **fields: object) -> list:
    """`count` product pages of `product_id` opened from 12:00 UTC of `day`."""
    return [
        call(
            at(12, n, day=day),
            session,
            endpoint=f"/api/v1/products/{product_id}",
            response={"id": product_id, "price": 99},
            **fields,
        )
        for n in range(count)
    ]


def shopping(day: date, product_id: int, endpoint: str, qty: int) -> dict:
    """A cart add or an order of `qty` of `product_id` at 12:30 UTC of `day`."""
    if endpoint == "/api/v1/cart":
        request: dict = {"product_id": product_id, "qty": qty}
        response: dict = {"product_id": product_id, "qty": qty, "price": 99}
    else:
        request = {"items": [{"product_id": product_id, "qty": qty, "price": 99}]}
        response = {"order_id": 1, "total": 99 * qty}
    return call(
        at(12, 30, day=day),
        "s1",
        method="POST",
        endpoint=endpoint,
        request=request,
        response=response,
    )


def test_changes_of_price_with_the_built_days_around_them(warehouse: Warehouse) -> None:
    # Business days in Moscow (UTC+3): a change at 22:30 UTC is on the next day.
    settings = load_settings(timezone="Europe/Moscow")
    d18, d19, d20, d21, d22 = (date(2026, 11, 18) + timedelta(days=n) for n in range(5))
    calls = [
        *views(d18, 7, 1),
        *views(d19, 7, 2),
        *views(d20, 7, 3),
        *views(d19, 8, 1),
        shopping(d20, 7, "/api/v1/cart", 2),
        shopping(d21, 7, "/api/v1/orders", 3),
        *views(d20, 7, 4, session="crawler", user_agent=GOOGLEBOT),  # a bot: left out
        *views(d22, 7, 5),
    ]
    load(warehouse, calls)
    # Item 7: a cut seen at 22:30 UTC; a version changing only old_price (no change); gone,
    # and back at another price (a change from its last price).
    add_version(warehouse, 7, 1, "2026-11-01T09:00:00Z", 1000)
    add_version(warehouse, 7, 2, "2026-11-19T22:30:00Z", 800)
    add_version(warehouse, 7, 3, "2026-11-20T10:00:00Z", 800, old_price=1000)
    add_version(warehouse, 7, 4, "2026-11-21T09:00:00Z", 800, old_price=1000, deleted=True)
    add_version(warehouse, 7, 5, "2026-11-22T09:00:00Z", 900)
    # Item 8: versions 1 and 2 gone to retention; 3 to 4 is a change, 3 has nothing before it.
    add_version(warehouse, 8, 3, "2026-11-19T09:00:00Z", 520)
    add_version(warehouse, 8, 4, "2026-11-21T09:00:00Z", 450)
    # Item 9: one version only.
    add_version(warehouse, 9, 1, "2026-11-01T09:00:00Z", 300)
    for day in (d18, d19, d20, d21):
        build_day(warehouse, settings, day)

    cut, back, item8 = (
        utc(text)
        for text in ("2026-11-19T22:30:00Z", "2026-11-22T09:00:00Z", "2026-11-21T09:00:00Z")
    )
    demand_7 = {-2: (1, 0, 0), -1: (2, 0, 0), 0: (3, 2, 0), 1: (0, 0, 3)}
    expected = [
        *[(7, cut, 1000, 800, offset, *counts) for offset, counts in demand_7.items()],
        # Day 22 is not built: only the offsets up to the day before.
        *[(7, back, 800, 900, offset - 2, *counts) for offset, counts in demand_7.items()],
        *[(8, item8, 520, 450, offset, int(offset == -2), 0, 0) for offset in (-3, -2, -1, 0)],
    ]
    assert [tuple(row.values()) for row in warehouse.rows(TABLE_SQL)] == expected

    # Building a later day fills its offsets; rebuilding a day changes nothing.
    build_day(warehouse, settings, d22)
    rows = warehouse.rows(f"SELECT {COLUMNS} FROM dwh.price_changes WHERE day_offset IN (0, 2)")
    filled = {(row["item_id"], row["day_offset"], row["changed_at"]): row["views"] for row in rows}
    assert filled[(7, 2, cut)] == 5 and filled[(7, 0, back)] == 5
    before = warehouse.rows(CHECKSUM_SQL)
    build_day(warehouse, settings, d20)
    assert warehouse.rows(CHECKSUM_SQL) == before
    assert before[0]["n"] == len(expected) + 3  # day 22 of each change
    # A day without visits is no built day, whether it was built last or earlier.
    build_day(warehouse, settings, d22 + timedelta(days=1))
    assert warehouse.rows(CHECKSUM_SQL) == before


# A simulated week: 600 visits a day, its production database snapshotted as of each commit.
FIRST, LAST = date(2026, 11, 19), date(2026, 11, 24)


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Run, Settings, Warehouse]]:
    base = tmp_path_factory.mktemp("price_changes")
    settings = load_settings(
        data_dir=base / "wh",
        spool_dir=base / "spool",
        production_url=f"sqlite:///{base / 'sim' / 'shop.sqlite'}",
    )
    with open_warehouse(settings) as warehouse:
        migrate(warehouse, DDL())
        key = hash_key(settings)

        def snapshot_items(instant: datetime) -> None:
            # The items' history as of each commit (the entity the table reads).
            ensure_link(settings, warehouse)
            run_snapshot(warehouse, ["items"], key=key, as_of=instant)

        run = simulate(
            base / "sim",
            on_commit=snapshot_items,
            days=(LAST - FIRST).days + 1,
            start=FIRST,
            visits_per_day=600,
        )
        with open_writer(settings, warehouse) as writer:
            ingest_files(sorted(run.out_dir.glob("calls-*")), writer)
        build_days(warehouse, settings, days_between(FIRST, LAST))
        yield run, settings, warehouse


def expected_rows(run: Run, built: list[date]) -> list[tuple]:
    """The table as the truth has it: each change's offsets whose day is built, with the item's
    people's views, cart adds and purchases that day (0 when none)."""
    demand = {(row["date"], row["item_id"]): row for row in run.truth("item_days.ndjson")}
    rows = []
    for change in run.truth("price_changes.ndjson"):
        changed_at = utc(change["changed_at"])
        for offset in range(-14, 15):
            day = changed_at.date() + timedelta(days=offset)
            if day in built:
                counts = demand.get((day.isoformat(), change["item_id"]), {})
                rows.append(
                    (
                        change["item_id"],
                        changed_at,
                        change["old_price"],
                        change["new_price"],
                        offset,
                        counts.get("views", 0),
                        counts.get("cart_adds", 0),
                        counts.get("purchased_qty", 0),
                    )
                )
    return sorted(rows)


@pytest.mark.slow
def test_every_change_and_day_matches_truth(week: tuple[Run, Settings, Warehouse]) -> None:
    run, _, warehouse = week
    expected = expected_rows(run, days_between(FIRST, LAST))
    got = [tuple(row.values()) for row in warehouse.rows(TABLE_SQL)]
    assert got == expected
    changes = {row[:4] for row in expected}
    assert len(changes) >= 30
    assert any(new < old for *_, old, new in changes) and any(new > old for *_, old, new in changes)
    # History holds versions whose price did not change (a small rise rounded to the same
    # price): they are not changes.
    later_versions = warehouse.scalar(
        "SELECT count() FROM history.items_versions WHERE version > 1"
    )
    assert later_versions > len(changes)
    assert sum(row[5] for row in got) > 0 and sum(row[6] for row in got) > 0


@pytest.mark.slow
def test_rebuilding_days_leaves_the_table_as_it_was(week: tuple[Run, Settings, Warehouse]) -> None:
    _, settings, warehouse = week
    before = warehouse.rows(CHECKSUM_SQL)
    for day in (date(2026, 11, 21), FIRST, LAST):
        build_day(warehouse, settings, day)
        assert warehouse.rows(CHECKSUM_SQL) == before, day


@pytest.mark.slow
def test_its_audits_pass_on_every_day(week: tuple[Run, Settings, Warehouse]) -> None:
    _, settings, warehouse = week
    names = [
        "price_changes_fields_agree",
        "price_changes_match_daily_product_stats",
        "price_changes_one_row_per_offset",
    ]
    results = run_audits(warehouse, settings, days_between(FIRST, LAST), names)
    assert len(results) == 3 * 6 and all(result.passed for result in results)
