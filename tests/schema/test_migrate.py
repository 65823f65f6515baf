"""Migrations: idempotent, checksum-guarded, forward-only; cluster DDL parses."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from loupe.errors import MigrationError
from loupe.schema.ddl import DDL, split_statements
from loupe.schema.migrate import applied, discover, migrate, migrations_dir, render_all
from loupe.warehouse import Warehouse


@pytest.fixture
def migrations_copy(tmp_path: Path) -> Path:
    target = tmp_path / "migrations"
    shutil.copytree(migrations_dir(), target)
    return target


def test_schemas_and_tables_exist(warehouse: Warehouse) -> None:
    databases = {row["name"] for row in warehouse.rows("SELECT name FROM system.databases")}
    assert {"pd", "dwh", "history", "etl"} <= databases
    assert "mysql" not in databases  # only `loupe init` with a production database links it
    columns = {
        row["name"]: row["type"]
        for row in warehouse.rows(
            "SELECT name, type FROM system.columns WHERE database = 'pd' AND table = 'api_calls'"
        )
    }
    assert columns["event_id"] == "UUID"
    assert columns["ts"] == "DateTime64(3, 'UTC')"
    assert columns["user_id"] == "UInt64"
    assert columns["status"] == "UInt16"
    assert columns["method"] == "LowCardinality(String)"


def test_rerun_applies_nothing(warehouse: Warehouse) -> None:
    before = applied(warehouse)
    assert sorted(before) == [m.version for m in discover()]
    assert migrate(warehouse, DDL()) == []
    assert applied(warehouse) == before


def test_changed_file_is_an_error(warehouse: Warehouse, migrations_copy: Path) -> None:
    target = migrations_copy / "0002_pd_api_calls.sql"
    target.write_text(target.read_text().replace("ZSTD(3)", "ZSTD(5)"))
    with pytest.raises(MigrationError, match=r"0002_pd_api_calls\.sql changed"):
        migrate(warehouse, DDL(), migrations_copy)


def after_newest(steps: int) -> str:
    """The version `steps` after the newest packaged migration's, as a file name prefix."""
    return f"{max(m.version for m in discover()) + steps:04d}"


def test_new_migration_applies_once(warehouse: Warehouse, migrations_copy: Path) -> None:
    name = f"{after_newest(1)}_etl_probe.sql"
    (migrations_copy / name).write_text(
        "-- probe\nCREATE TABLE IF NOT EXISTS etl.probe (x UInt8) ENGINE = Memory;\n"
    )
    assert [m.name for m in migrate(warehouse, DDL(), migrations_copy)] == [name]
    assert migrate(warehouse, DDL(), migrations_copy) == []
    assert warehouse.scalar("SELECT count() FROM system.tables WHERE name = 'probe'") == 1


def test_out_of_order_migration_is_refused(warehouse: Warehouse, migrations_copy: Path) -> None:
    (migrations_copy / f"{after_newest(2)}_late.sql").write_text("SELECT 1;\n")
    migrate(warehouse, DDL(), migrations_copy)
    (migrations_copy / f"{after_newest(1)}_inserted.sql").write_text("SELECT 1;\n")
    with pytest.raises(MigrationError, match="forward-only"):
        migrate(warehouse, DDL(), migrations_copy)


def test_badly_named_file_is_refused(migrations_copy: Path) -> None:
    (migrations_copy / "add_table.sql").write_text("SELECT 1;\n")
    with pytest.raises(MigrationError, match=r"NNNN_description\.sql"):
        discover(migrations_copy)


def test_cluster_ddl_renders_and_parses(warehouse: Warehouse) -> None:
    statements = render_all(DDL("loupe_cluster"))
    for statement in statements:
        formatted = warehouse.scalar("SELECT formatQuery({sql:String})", {"sql": statement})
        assert "ON CLUSTER loupe_cluster" in formatted
    text = "\n".join(statements)
    assert "pd.api_calls_local ON CLUSTER" in text
    assert "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/pd/api_calls_local'" in text
    assert "Distributed(loupe_cluster, pd, api_calls_local, cityHash64(session_id))" in text
    assert "replicated_deduplication_window" in text


def test_single_node_ddl_has_no_cluster_clause() -> None:
    text = "\n".join(render_all(DDL()))
    assert "ON CLUSTER" not in text and "Replicated" not in text and "Distributed" not in text
    assert "non_replicated_deduplication_window" in text


def test_split_statements_ignores_comment_only_chunks() -> None:
    sql = "-- header\nCREATE TABLE a (x UInt8) ENGINE = Memory;\n\n-- trailing comment\n"
    assert split_statements(sql) == ["-- header\nCREATE TABLE a (x UInt8) ENGINE = Memory"]
