"""With the production database linked, the scheduler also snapshots it and reconciles orders."""

from __future__ import annotations

import sqlite3
from importlib import resources
from pathlib import Path

import pytest

from loupe.scheduler import Scheduler, SchedulerOptions, default_specs
from loupe.scheduler.specs import production_linked
from loupe.schema.init import initialise
from loupe.settings import load_settings
from loupe.warehouse import open_warehouse

pytest.importorskip("loupe.history", reason="the history package is not installed")

SCHEMA = resources.files("loupe.simulate").joinpath("shopdb_schema.sql").read_text()
ITEM = (
    "INSERT INTO items (id, sku, section, material, price, updated_at) "
    "VALUES (1, 'R-1', 'rings', 'gold', 100, '2026-11-20 10:00:00.000')"
)


@pytest.mark.slow
def test_snapshot_and_reconcile_run_once_production_is_linked(loupe_env: Path) -> None:
    path = loupe_env / "shop.sqlite"
    with sqlite3.connect(path) as shop:
        shop.executescript(SCHEMA)
        shop.execute(ITEM)
    settings = load_settings(production_url=f"sqlite:///{path}")
    options = SchedulerOptions(lease_settle_seconds=0.01)
    with open_warehouse(settings) as warehouse:
        assert [s.name for s in default_specs(settings, options, production_linked(warehouse))] == [
            "etl_hourly",
            "etl_nightly",
            "etl_audit",
            "retention",
        ]
        initialise(settings, warehouse)
        specs = default_specs(settings, options, production_linked(warehouse))
        attempts = Scheduler(warehouse, specs, options).tick()
        assert [(a.job, a.status) for a in attempts] == [
            ("etl_hourly", "success"),
            ("etl_nightly", "success"),
            ("etl_audit", "success"),
            ("retention", "success"),
            ("snapshot", "success"),
            ("reconcile", "success"),
        ]
        assert warehouse.scalar("SELECT count() FROM dwh.items") == 1
