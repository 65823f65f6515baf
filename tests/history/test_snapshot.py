"""Snapshots give exactly the expected versions, on SQLite and on MariaDB over TCP."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pymysql
import pytest

from loupe.errors import LoupeError
from loupe.history import as_of, changes, run_snapshot
from loupe.history import snapshot as snapshot_module
from loupe.history.entities import Entity, load_config
from loupe.schema.init import initialise
from loupe.settings import load_settings
from loupe.warehouse import Warehouse, open_warehouse
from tests.helpers.mariadb import MariaDB
from tests.helpers.shop import Shop

FAR_FUTURE = datetime(2299, 12, 31, tzinfo=timezone.utc)
ITEM = "INSERT INTO items VALUES (?, ?, 'rings', 'gold', ?, NULL, NULL, ?, NULL, ?)"
VERSIONS_SQL = """
SELECT id, version, price, metal, is_deleted, change, snapshot_id, valid_from, valid_to
FROM history.items ORDER BY id, version
"""


def at(snapshot_id: int) -> datetime:
    return datetime.fromtimestamp(snapshot_id / 1000, timezone.utc)


def snap(warehouse: Warehouse, *entities: str, full: bool = False) -> tuple[int, dict[str, int]]:
    """Run a snapshot; return its id and the rows written per entity."""
    results = run_snapshot(warehouse, list(entities) or None, full=full)
    return results[0].snapshot_id, {result.entity: result.written for result in results}


def test_insert_update_delete_reinsert_give_exact_versions(linked: Warehouse, shop: Shop) -> None:
    shop.execute(ITEM, (1, "R-1", "au", 100, "2026-11-20 10:00:00.000"))
    shop.execute(ITEM, (2, "R-2", None, 50, "2026-11-20 10:00:00.000"))
    s1, written1 = snap(linked, "items", full=True)
    shop.execute(
        "UPDATE items SET metal = 'ag', updated_at = '2026-11-20 11:00:00.000' WHERE id = 1"
    )
    s2, written2 = snap(linked, "items", full=True)
    shop.execute("DELETE FROM items WHERE id = 2")
    s3, written3 = snap(linked, "items", full=True)
    shop.execute(ITEM, (2, "R-2", None, 55, "2026-11-20 10:00:00.000"))
    s4, written4 = snap(linked, "items", full=True)

    assert [written1, written2, written3, written4] == [{"items": n} for n in (2, 1, 1, 1)]
    assert s1 < s2 < s3 < s4
    rows = [tuple(row.values()) for row in linked.rows(VERSIONS_SQL)]
    assert rows == [
        (1, 1, 100, "au", 0, "insert", s1, at(s1), at(s2)),
        (1, 2, 100, "ag", 0, "update", s2, at(s2), FAR_FUTURE),
        (2, 1, 50, None, 0, "insert", s1, at(s1), at(s3)),
        (2, 2, 50, None, 1, "delete", s3, at(s3), at(s4)),
        (2, 3, 55, None, 0, "reinsert", s4, at(s4), FAR_FUTURE),
    ]


def test_a_key_back_with_its_old_values_is_a_reinsert(linked: Warehouse, shop: Shop) -> None:
    # The deletion row keeps the last values (and their hash): the same row coming back must
    # still make a version.
    shop.execute(ITEM, (1, "R-1", "au", 100, "2026-11-20 10:00:00.000"))
    s1, _ = snap(linked, "items", full=True)
    shop.execute("DELETE FROM items WHERE id = 1")
    s2, _ = snap(linked, "items", full=True)
    shop.execute(ITEM, (1, "R-1", "au", 100, "2026-11-20 10:00:00.000"))
    s3, written = snap(linked, "items", full=True)
    assert written == {"items": 1}
    rows = [tuple(row.values())[:6] for row in linked.rows(VERSIONS_SQL)]
    assert rows == [
        (1, 1, 100, "au", 0, "insert"),
        (1, 2, 100, "au", 1, "delete"),
        (1, 3, 100, "au", 0, "reinsert"),
    ]
    assert [as_of(linked, "items", at(s)).num_rows for s in (s1, s2, s3)] == [1, 0, 1]


def test_incremental_reads_reach_back_by_the_lag_bounds_included(
    linked: Warehouse, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop.execute(ITEM, (1, "R-1", "au", 100, "2026-11-20 10:00:00.000"))
    shop.execute(ITEM, (2, "R-2", "au", 100, "2026-11-20 10:00:10.000"))
    snap(linked, "items")  # the first run is a full one
    # A transaction that committed after that run, stamped 5 s before the newest row it saw:
    # within lag_seconds (300), so the next incremental run reads it.
    shop.execute("UPDATE items SET price = 90, updated_at = '2026-11-20 10:00:05.000' WHERE id = 1")
    (late,) = run_snapshot(linked, ["items"])
    assert (late.incremental, late.written) == (True, 1)
    # Without a lag, a row stamped the same millisecond as the newest one is still read.
    monkeypatch.setattr(load_config()["items"], "lag_seconds", 0)
    shop.execute("UPDATE items SET price = 80, updated_at = '2026-11-20 10:00:10.000' WHERE id = 1")
    (same_instant,) = run_snapshot(linked, ["items"])
    assert (same_instant.incremental, same_instant.staged, same_instant.written) == (True, 2, 1)
    prices = linked.rows("SELECT price FROM history.items_versions WHERE id = 1 ORDER BY version")
    assert [row["price"] for row in prices] == [100, 90, 80]


def test_incremental_runs_leave_deletions_to_full_runs(
    linked: Warehouse, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop.execute(ITEM, (1, "R-1", "au", 100, "2026-11-20 10:00:00.000"))
    shop.execute(ITEM, (2, "R-2", None, 50, "2026-11-20 10:00:00.000"))
    snap(linked, "items")  # the first run is a full one
    shop.execute("DELETE FROM items WHERE id = 2")
    # Back after its deletion, with a fresh timestamp: an incremental run sees it.
    shop.execute("DELETE FROM items WHERE id = 1")
    shop.execute(ITEM, (1, "R-1", "au", 90, "2026-11-21 10:00:00.000"))
    (incremental,) = run_snapshot(linked, ["items"])
    assert (incremental.incremental, incremental.written) == (True, 1)
    assert as_of(linked, "items", at(incremental.snapshot_id)).num_rows == 2
    # Once the last full run is older than full_every_hours, a run is a full one again.
    monkeypatch.setattr(load_config()["items"], "full_every_hours", 1e-9)
    (full,) = run_snapshot(linked, ["items"])
    assert (full.incremental, full.written) == (False, 1)
    assert as_of(linked, "items", at(full.snapshot_id)).column("id").to_pylist() == [1]
    runs = linked.rows(
        "SELECT watermark FROM etl.job_runs WHERE job = 'snapshot:items' ORDER BY started_at"
    )
    complete = [row["watermark"] for row in runs]
    assert complete[1].year == 1970 and complete[2] == at(full.snapshot_id)


def test_as_of_and_changes_at_several_times(linked: Warehouse, shop: Shop) -> None:
    shop.execute("INSERT INTO favorites VALUES (?, ?, '2026-11-20 10:00:00.000')", (7, 1), (7, 2))
    s1, _ = snap(linked, "favorites")
    shop.execute("DELETE FROM favorites WHERE item_id = 1")
    shop.execute("INSERT INTO favorites VALUES (8, 1, '2026-11-20 12:00:00.000')")
    s2, _ = snap(linked, "favorites")
    shop.execute("DELETE FROM favorites")
    s3, _ = snap(linked, "favorites")

    def state(instant: datetime) -> list[tuple[int, int]]:
        table = as_of(linked, "favorites", instant)
        return list(zip(table.column("user_id").to_pylist(), table.column("item_id").to_pylist()))

    assert state(at(s1) - timedelta(milliseconds=1)) == []
    assert state(at(s1)) == [(7, 1), (7, 2)]
    assert state(at(s2) - timedelta(milliseconds=1)) == [(7, 1), (7, 2)]
    assert state(at(s2)) == [(7, 2), (8, 1)]
    assert state(at(s3) + timedelta(days=1)) == []

    between = changes(linked, "favorites", at(s1), at(s2)).to_pylist()
    assert [(r["user_id"], r["item_id"], r["change"]) for r in between] == [
        (7, 1, "delete"),
        (8, 1, "insert"),
    ]
    everything = changes(linked, "favorites", at(s1) - timedelta(seconds=1), at(s3))
    assert everything.num_rows == 2 + 2 + 2


# One row of each entity's source table, and how to delete it: every entity has its own
# migration with its own views (history.<entity>, _as_of, _changes), so each is checked.
ONE_ROW = {
    "items": (ITEM, (1, "R-1", "au", 100, "2026-11-20 10:00:00.000"), "DELETE FROM items"),
    "stock": (
        "INSERT INTO stock VALUES (?, ?, ?)",
        (1, 4, "2026-11-20 10:00:00.000"),
        "DELETE FROM stock",
    ),
    "cart": (
        "INSERT INTO cart VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        ("u:7", 1, 7, "s1", 2, 100, "2026-11-20 10:00:00.000", "2026-11-20 10:00:00.000"),
        "DELETE FROM cart",
    ),
    "favorites": (
        "INSERT INTO favorites VALUES (?, ?, ?)",
        (7, 1, "2026-11-20 10:00:00.000"),
        "DELETE FROM favorites",
    ),
}


@pytest.mark.parametrize("entity", list(ONE_ROW))
def test_every_entity_views_a_delete_and_a_reinsert(
    linked: Warehouse, shop: Shop, entity: str
) -> None:
    insert, row, delete = ONE_ROW[entity]
    shop.execute(insert, row)
    s1, _ = snap(linked, entity, full=True)
    shop.execute(delete)
    s2, _ = snap(linked, entity, full=True)
    shop.execute(insert, row)
    s3, _ = snap(linked, entity, full=True)

    kinds = linked.rows(f"SELECT change FROM history.{entity} ORDER BY version")
    assert [kind["change"] for kind in kinds] == ["insert", "delete", "reinsert"]
    moments = (at(s1) - timedelta(milliseconds=1), at(s1), at(s2) - timedelta(milliseconds=1))
    moments += (at(s2), at(s3))
    assert [as_of(linked, entity, moment).num_rows for moment in moments] == [0, 1, 1, 0, 1]
    window = changes(linked, entity, at(s1), at(s2)).to_pylist()
    assert [(version["version"], version["change"]) for version in window] == [(2, "delete")]


def test_rerun_without_changes_writes_nothing(linked: Warehouse, shop: Shop) -> None:
    shop.execute(ITEM, (1, "R-1", "au", 100, "2026-11-20 10:00:00.000"))
    shop.execute("INSERT INTO stock VALUES (1, 4, '2026-11-20 10:00:00.000')")
    shop.execute(
        "INSERT INTO cart VALUES ('u:7', 1, 7, 's1', 2, 100, ?, ?)",
        ("2026-11-20 10:00:00.000", "2026-11-20 10:00:00.000"),
    )
    _, first = snap(linked)
    assert first == {"items": 1, "stock": 1, "cart": 1, "favorites": 0}
    parts_before = linked.scalar("SELECT count() FROM system.parts WHERE database = 'history'")
    _, again = snap(linked)
    _, full = snap(linked, full=True)
    assert again == full == {"items": 0, "stock": 0, "cart": 0, "favorites": 0}
    assert linked.scalar("SELECT count() FROM system.parts WHERE database = 'history'") == (
        parts_before
    )
    runs = linked.rows(
        "SELECT job, rows_written, status FROM etl.job_runs "
        "WHERE job = 'snapshot:items' ORDER BY started_at"
    )
    written = [(run["rows_written"], run["status"]) for run in runs]
    assert written == [(1, "success"), (0, "success"), (0, "success")]


def test_untracked_columns_make_no_version(linked: Warehouse, shop: Shop) -> None:
    shop.execute("INSERT INTO stock VALUES (1, 4, '2026-11-20 10:00:00.000')")
    shop.execute(
        "INSERT INTO cart VALUES ('s:a', 1, NULL, 'a', 1, 100, ?, ?)",
        ("2026-11-20 10:00:00.000", "2026-11-20 10:00:00.000"),
    )
    snap(linked, "stock", "cart")
    # stock tracks quantity only, cart tracks user_id, session_id, qty and price.
    shop.execute("UPDATE stock SET updated_at = '2026-11-20 11:00:00.000'")
    shop.execute("UPDATE cart SET updated_at = '2026-11-20 11:00:00.000'")
    _, untouched = snap(linked, "stock", "cart")
    shop.execute("UPDATE stock SET quantity = 3, updated_at = '2026-11-20 12:00:00.000'")
    shop.execute("UPDATE cart SET user_id = 9")
    _, changed = snap(linked, "stock", "cart")
    assert untouched == {"stock": 0, "cart": 0}
    assert changed == {"stock": 1, "cart": 1}
    assert linked.rows("SELECT quantity, version FROM history.stock ORDER BY version") == [
        {"quantity": 4, "version": 1},
        {"quantity": 3, "version": 2},
    ]


def test_incremental_read_stages_only_changed_rows(linked: Warehouse, shop: Shop) -> None:
    for n in range(1, 6):
        shop.execute(ITEM, (n, f"R-{n}", "au", 100, f"2026-11-{10 + n} 10:00:00.000"))
    run_snapshot(linked, ["items"])
    shop.execute("UPDATE items SET price = 90, updated_at = '2026-11-21 10:00:00.000' WHERE id = 3")
    (incremental,) = run_snapshot(linked, ["items"])
    # Read: the changed row, and item 5 (changed within `lag_seconds` of the newest in history).
    assert (incremental.incremental, incremental.staged, incremental.written) == (True, 2, 1)
    (full,) = run_snapshot(linked, ["items"], full=True)
    assert (full.incremental, full.staged, full.written) == (False, 5, 0)


def test_source_failing_mid_run_leaves_history_untouched(linked: Warehouse, shop: Shop) -> None:
    shop.execute(ITEM, (1, "R-1", "au", 100, "2026-11-20 10:00:00.000"))
    shop.execute("INSERT INTO stock VALUES (?, ?, '2026-11-20 10:00:00.000')", (1, 4), (2, 5))
    snap(linked, "items", "stock")
    # The next run: items changes and is snapshotted; stock then fails while it is being read
    # (a value that cannot be converted, after rows that could).
    shop.execute("UPDATE items SET price = 120 WHERE id = 1")
    shop.execute("UPDATE stock SET quantity = 6 WHERE item_id = 1")
    if shop.kind == "mariadb":
        shop.execute("ALTER TABLE stock MODIFY updated_at VARCHAR(32) NOT NULL")
    shop.execute("UPDATE stock SET updated_at = 'yesterday' WHERE item_id = 2")
    stock_before = linked.rows("SELECT * FROM history.stock_versions ORDER BY item_id, version")
    with pytest.raises(LoupeError, match=r"snapshot of stock: reading stock .* history unchanged"):
        run_snapshot(linked, ["items", "stock"], full=True)
    assert linked.rows("SELECT * FROM history.stock_versions ORDER BY item_id, version") == (
        stock_before
    )
    assert linked.scalar("SELECT max(price) FROM history.items_versions") == 120
    failed = linked.rows(
        "SELECT status, error FROM etl.job_runs WHERE job = 'snapshot:stock' ORDER BY started_at"
    )
    assert [row["status"] for row in failed] == ["success", "failed"]
    assert "history unchanged" in failed[1]["error"]


def test_missing_source_table_is_a_clear_error(linked: Warehouse, shop: Shop) -> None:
    shop.execute(ITEM, (1, "R-1", "au", 100, "2026-11-20 10:00:00.000"))
    shop.execute("DROP TABLE cart")
    with pytest.raises(LoupeError, match="table cart is missing in the production database"):
        run_snapshot(linked, ["items", "cart"])
    assert linked.scalar("SELECT count() FROM history.items_versions") == 1
    assert linked.scalar("SELECT count() FROM history.cart_versions") == 0


def test_a_source_column_gone_is_a_clear_error(linked: Warehouse, shop: Shop) -> None:
    shop.execute("INSERT INTO stock VALUES (1, 4, '2026-11-20 10:00:00.000')")
    # MySQL's engine sees a schema change by the table's modification time, to the second
    # (docs/history.md): the change must fall in a later second than the link's last read.
    _next_second()
    shop.execute("ALTER TABLE stock DROP COLUMN quantity")
    with pytest.raises(LoupeError, match="production table stock has no column quantity"):
        run_snapshot(linked, ["stock"])
    assert linked.scalar("SELECT count() FROM history.stock_versions") == 0


def test_snapshot_ids_stay_ascending_when_the_clock_goes_back(
    linked: Warehouse, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop.execute(ITEM, (1, "R-1", "au", 100, "2026-11-20 10:00:00.000"))
    s1, _ = snap(linked, "items", full=True)
    # The machine's clock is set back a minute (an NTP step): the next id still sorts after s1,
    # so the new version is the item's latest at every instant from then on.
    monkeypatch.setattr(snapshot_module.time, "time", lambda: s1 / 1000 - 60)
    shop.execute("UPDATE items SET price = 90 WHERE id = 1")
    s2, _ = snap(linked, "items", full=True)
    assert s2 > s1
    assert as_of(linked, "items", at(s2)).column("price").to_pylist() == [90]


def test_unknown_entity_is_a_clear_error(linked: Warehouse) -> None:
    with pytest.raises(LoupeError, match="unknown entities orders"):
        run_snapshot(linked, ["orders"])


def test_mariadb_refusing_mid_run_is_clear_and_leaves_no_partial_rows(
    loupe_env: Path, mariadb: MariaDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = Shop("mariadb", mariadb.url, mariadb.connect)
    shop.create_tables()
    shop.execute(ITEM, (1, "R-1", "au", 100, "2026-11-20 10:00:00.000"))
    shop.execute("INSERT INTO stock VALUES (1, 4, '2026-11-20 10:00:00.000')")
    real_check = snapshot_module.check_source

    def refuse_before_stock(warehouse: Warehouse, entity: Entity) -> None:
        # After items is done: the server drops Loupe's account and its open connections.
        if entity.name == "stock":
            refuse(mariadb)
        real_check(warehouse, entity)

    monkeypatch.setattr(snapshot_module, "check_source", refuse_before_stock)
    settings = load_settings(production_url=mariadb.url)
    with open_warehouse(settings) as warehouse:
        initialise(settings, warehouse)
        with pytest.raises(LoupeError, match="production database is unreachable") as caught:
            run_snapshot(warehouse, ["items", "stock"])
        assert mariadb.password not in str(caught.value)
        assert warehouse.scalar("SELECT count() FROM history.items_versions") == 1
        assert warehouse.scalar("SELECT count() FROM history.stock_versions") == 0
        assert warehouse.scalar("SELECT count() FROM etl.snapshot_stock_changes") == 0
        runs = warehouse.rows("SELECT job, status FROM etl.job_runs ORDER BY job")
        assert [tuple(run.values()) for run in runs] == [
            ("snapshot:items", "success"),
            ("snapshot:stock", "failed"),
        ]


def refuse(server: MariaDB) -> None:
    """Drop the test's MariaDB account and kill its connections (the fixture drops it anyway)."""
    admin = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", autocommit=True)
    with admin.cursor() as cursor:
        for host in ("localhost", "127.0.0.1", "%"):
            cursor.execute("DROP USER IF EXISTS %s@%s", (server.user, host))
        cursor.execute(
            "SELECT id FROM information_schema.processlist WHERE user = %s", (server.user,)
        )
        for (connection_id,) in cursor.fetchall():
            cursor.execute("KILL %s", (connection_id,))
    admin.close()


def _next_second() -> None:
    """Sleep until the wall clock enters its next second."""
    time.sleep(1 - time.time() % 1 + 0.01)
