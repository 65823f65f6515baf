"""Retention: the scheduled `retention` job drops the days older than the settings keep, in `pd`,
`dwh` and `history`, and leaves every newer row as it was; `loupe status` names the oldest day
each schema keeps; a day past retention can no longer be built."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loupe.cli import app
from loupe.errors import ConfigError
from loupe.scheduler import Scheduler, SchedulerOptions, default_specs
from loupe.scheduler.render import render_text
from loupe.scheduler.retention import run_retention
from loupe.scheduler.status import build_report
from loupe.settings import Settings, load_settings
from loupe.warehouse import Warehouse
from tests.helpers.builds import built_warehouse
from tests.helpers.clock import Clock
from tests.helpers.simulation import simulate

OPTIONS = SchedulerOptions(lease_settle_seconds=0.01)
# The night after the simulated days (2026-11-19..22): the nightly slot of 2026-11-23, 02:30 UTC.
NIGHT = datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)
# With these, pd keeps 2026-11-21 on, dwh 2026-11-20 on, history what was valid at 2026-11-21.
KEEP = {"keep_raw_days": 2, "keep_dwh_days": 3, "keep_history_days": 2}

# history.items versions: (id, version, valid_from day in November, is_deleted).
VERSIONS = [
    (1, 1, 10, 0),  # ended 11-15 (version 2 began): deleted
    (1, 2, 15, 0),  # valid until 11-22, so still valid at the cutoff: kept
    (1, 3, 22, 0),  # open: kept
    (2, 1, 10, 0),  # ended 11-12: deleted
    (2, 2, 12, 1),  # the key's deletion, its latest version: kept however old
    (3, 1, 5, 0),  # open since 11-05: kept
    (4, 1, 22, 0),  # new after the cutoff: kept
]
RECONCILED_DAYS = (10, 19, 20, 22)
REJECTED_DAYS = (1, 20, 21, 22)


def per_day(warehouse: Warehouse, sql: str) -> dict[str, int]:
    return {str(row["day"]): row["n"] for row in warehouse.rows(sql)}


def snapshot_counts(warehouse: Warehouse) -> dict[str, dict[str, int]]:
    """Rows per day of every table retention trims, and the items history versions."""
    counts = {
        "pd.api_calls": per_day(
            warehouse, "SELECT toDate(ts) AS day, count() AS n FROM pd.api_calls GROUP BY day"
        ),
        "pd.api_calls_rejected": per_day(
            warehouse,
            "SELECT toDate(received_at) AS day, count() AS n FROM pd.api_calls_rejected "
            "GROUP BY day",
        ),
    }
    for table in (
        "sessions",
        "catalog_sessions",
        "product_sessions",
        "daily_funnel",
        "daily_product_stats",
        "daily_search_stats",
        "orders",
        "order_reconciliation",
    ):
        counts[f"dwh.{table}"] = per_day(
            warehouse, f"SELECT date AS day, count() AS n FROM dwh.{table} GROUP BY day"
        )
    counts["history.items_versions"] = {
        f"{row['id']}.{row['version']}": 1
        for row in warehouse.rows("SELECT id, version FROM history.items_versions")
    }
    return counts


def add_rows_beside_the_etl(warehouse: Warehouse) -> None:
    """Rejected records, orders, reconciliation runs and item versions on chosen days."""
    for day in REJECTED_DAYS:
        warehouse.command(
            "INSERT INTO pd.api_calls_rejected "
            "VALUES ({at:DateTime64(3, 'UTC')}, 'bad', '{}', 't')",
            {"at": datetime(2026, 11, day, 12, tzinfo=timezone.utc)},
        )
    for day in RECONCILED_DAYS:
        warehouse.command(
            "INSERT INTO dwh.order_reconciliation (checked_at, date) VALUES (now64(), {d:Date})",
            {"d": date(2026, 11, day)},
        )
        warehouse.command(
            "INSERT INTO dwh.orders (date, id) VALUES ({d:Date}, {id:Int64})",
            {"d": date(2026, 11, day), "id": day},
        )
    for key, version, day, deleted in VERSIONS:
        warehouse.command(
            "INSERT INTO history.items_versions (id, sku, version, valid_from, is_deleted) "
            "VALUES ({id:Int64}, 'S', {v:UInt32}, {at:DateTime64(3, 'UTC')}, {deleted:UInt8})",
            {
                "id": key,
                "v": version,
                "at": datetime(2026, 11, day, 8, tzinfo=timezone.utc),
                "deleted": deleted,
            },
        )


def items_as_of(warehouse: Warehouse, at: datetime) -> list[tuple[int, int]]:
    rows = warehouse.rows(
        "SELECT id, version FROM history.items_as_of(at = {at:DateTime64(3, 'UTC')}) ORDER BY id",
        {"at": at},
    )
    return [(row["id"], row["version"]) for row in rows]


@pytest.fixture
def short_settings(loupe_env: Path) -> Settings:
    return load_settings(**KEEP, scheduler_nightly_max_days=2)


@pytest.fixture
def four_days(tmp_path: Path, short_settings: Settings) -> Iterator[Warehouse]:
    """Four simulated days (2026-11-19..22) ingested and built, with rows beside the ETL's."""
    run = simulate(tmp_path / "sim", days=4, visits_per_day=60)
    with built_warehouse(short_settings, run.out_dir, date(2026, 11, 19), date(2026, 11, 22)) as w:
        add_rows_beside_the_etl(w)
        yield w


@pytest.mark.slow
def test_the_nightly_job_drops_what_is_older_than_kept_and_nothing_newer(
    four_days: Warehouse, short_settings: Settings
) -> None:
    warehouse = four_days
    before = snapshot_counts(warehouse)
    assert sorted(before["pd.api_calls"])[:3] == ["2026-11-19", "2026-11-20", "2026-11-21"]
    assert "2026-11-19" in before["dwh.sessions"] and "2026-11-19" in before["dwh.daily_funnel"]
    as_of_before = {at: items_as_of(warehouse, at) for at in (NIGHT - timedelta(days=2), NIGHT)}

    dry = run_retention(warehouse, short_settings, NIGHT, dry_run=True)
    dropped_pd = sum(n for day, n in before["pd.api_calls"].items() if day < "2026-11-21")
    dropped_pd += sum(1 for day in REJECTED_DAYS if day < 21)
    assert dry.summary() == (
        f"pd: would drop {dropped_pd} rows (2 days) before 2026-11-21; "
        f"dwh: would drop {dry.dropped[1].total} rows (1 day) before 2026-11-20; "
        "history: would drop 2 versions before 2026-11-21"
    )
    assert snapshot_counts(warehouse) == before

    [spec] = [s for s in default_specs(short_settings, OPTIONS) if s.name == "retention"]
    [attempt] = Scheduler(warehouse, [spec], OPTIONS, now=Clock(NIGHT)).tick()
    assert (attempt.job, attempt.status) == ("retention", "success"), attempt.error
    after = snapshot_counts(warehouse)

    oldest = {"pd": "2026-11-21", "dwh": "2026-11-20"}
    for table, days in before.items():
        if table.startswith("history."):
            continue
        kept = {day: n for day, n in days.items() if day >= oldest[table.partition(".")[0]]}
        assert after[table] == kept, table
        assert kept != days, f"{table}: nothing was old enough to drop"
    assert sorted(after["history.items_versions"]) == ["1.2", "1.3", "2.2", "3.1", "4.1"]
    # Every as-of reading from the cutoff on is the same as before.
    assert {at: items_as_of(warehouse, at) for at in as_of_before} == as_of_before

    report = build_report(warehouse, short_settings, [spec], 120, now=NIGHT)
    assert report["retention"] == {
        "pd": {"oldest_day": "2026-11-21", "keep_days": 2},
        "dwh": {"oldest_day": "2026-11-20", "keep_days": 3},
        # Key 1's versions before 11-15 are gone: as-of readings are exact from then on.
        "history": {"oldest_day": "2026-11-15", "keep_days": 2},
    }
    assert "  pd         2026-11-21  (keeps 2 days)" in render_text(report)

    # Run again, nothing is older than kept: nothing changes.
    assert spec.run(warehouse, NIGHT) == (
        "pd: dropped 0 rows before 2026-11-21; dwh: dropped 0 rows before 2026-11-20; "
        "history: dropped 0 versions before 2026-11-21"
    )
    assert snapshot_counts(warehouse) == after


def test_history_keeps_the_latest_version_of_every_key_however_old(
    warehouse: Warehouse, settings: Settings
) -> None:
    from loupe.history.retention import complete_from, drop_old_versions

    add_rows_beside_the_etl(warehouse)
    assert complete_from(warehouse, "UTC") == date(2026, 11, 5)  # nothing deleted yet
    far_future = datetime(2030, 1, 1, tzinfo=timezone.utc)
    assert drop_old_versions(warehouse, far_future, dry_run=True) == {"history.items_versions": 3}
    assert warehouse.scalar("SELECT count() FROM history.items_versions") == len(VERSIONS)
    assert drop_old_versions(warehouse, far_future) == {"history.items_versions": 3}
    latest = warehouse.rows("SELECT id, version FROM history.items_versions ORDER BY id")
    assert [(row["id"], row["version"]) for row in latest] == [(1, 3), (2, 2), (3, 1), (4, 1)]
    assert items_as_of(warehouse, far_future) == [(1, 3), (3, 1), (4, 1)]
    assert complete_from(warehouse, "UTC") == date(2026, 11, 22)


def test_keep_raw_days_below_the_nightly_reach_is_a_settings_error(loupe_env: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(keep_raw_days=20, scheduler_nightly_max_days=31)
    assert str(error.value) == (
        "invalid settings: keep_raw_days: 20 is less than scheduler_nightly_max_days (31), the "
        "days the nightly run rebuilds from raw calls"
    )
    assert load_settings(keep_raw_days=0).keep_raw_days == 0  # 0 keeps every day


def test_etl_run_of_a_day_past_retention_is_a_one_line_error(
    loupe_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOUPE_KEEP_RAW_DAYS", "40")
    today = datetime.now(timezone.utc).date()
    past = today - timedelta(days=41)
    result = CliRunner().invoke(app, ["etl", "run", "--date", str(past)], prog_name="loupe")
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        f"error: {past} is past retention: pd keeps 40 days of calls (keep_raw_days), from "
        f"{today - timedelta(days=40)} on; such a day can no longer be rebuilt\n"
    )
