"""Docs stay honest: every setting, every command (with its options) and every dwh column is
documented, and the dwh tables keep the column names that are their contract."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
import typer

from loupe.cli import app
from loupe.jobs.registry import all_jobs
from loupe.scheduler import SchedulerOptions, default_specs
from loupe.settings import Settings, load_settings
from loupe.warehouse import Warehouse

DOCS = Path(__file__).resolve().parents[1] / "docs"
COMMANDS = typer.main.get_command(app).commands  # type: ignore[attr-defined]


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_setting_is_documented(field: str) -> None:
    text = (DOCS / "settings.md").read_text()
    assert f"| `{field}` | `LOUPE_{field.upper()}` |" in text


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_is_documented(name: str) -> None:
    text = (DOCS / "cli.md").read_text()
    assert f"### loupe {name}\n" in text
    section = text.split(f"### loupe {name}\n", 1)[1].split("\n### ", 1)[0]
    command = COMMANDS[name]
    for sub in getattr(command, "commands", {}):
        assert f"loupe {name} {sub}" in section, f"loupe {name} {sub} is not documented"
    for param in command.params:
        if isinstance(param, click.Option) and param.name not in ("verbose", "help"):
            assert param.opts[0] in section, f"{param.opts[0]} of loupe {name} is not documented"


def test_scheduled_jobs_are_documented_with_their_dependencies() -> None:
    # docs/operations.md has one table row per job; its schedule says "after `a` and `b`".
    section = (DOCS / "operations.md").read_text().split("## The jobs\n", 1)[1].split("\n## ")[0]
    rows = re.findall(r"^\| `(\w+)` \| ([^|]*) \|", section, re.M)
    documented = {
        job: set(re.findall(r"`(\w+)`", schedule.partition("after")[2])) for job, schedule in rows
    }
    specs = default_specs(load_settings(), SchedulerOptions(), production_linked=True)
    assert {spec.name: set(spec.depends_on) for spec in specs} == documented


def test_readme_commands_exist() -> None:
    readme = (DOCS.parent / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme


# The contract columns of the dwh tables: dashboards and outside users query them by these names.
CONTRACT_COLUMNS = {
    "user_agents": "browser browser_version os os_version device_family device_type is_bot",
    "sessions": "date visit_id session_id start_ts end_ts duration_s user_id user_type "
    "registered_in_visit is_returning device_type os browser is_bot calls catalog_calls searches "
    "product_views distinct_products favorite_adds cart_adds orders revenue entry_endpoint "
    "exit_endpoint is_bounce errors",
    "catalog_sessions": "date visit_id session_id ts seq q is_search section material metal stone "
    "price_min price_max price_band sort page per_page results_total is_zero_result is_refinement "
    "clicked_product_id clicked_position led_to_cart device_type user_type",
    "product_sessions": "date visit_id session_id product_id views first_view_ts source "
    "list_position favorite_adds favorite_removes cart_adds cart_removes purchased_qty revenue "
    "price_at_view viewed_out_of_stock device_type user_type",
    "daily_item_demand": "date item_id views views_out_of_stock visits_out_of_stock cart_adds "
    "cart_attempts_out_of_stock purchased_qty revenue out_of_stock_minutes lost_revenue_estimate",
    "carts": "cart_key episode_start user_id last_changed_at lines units value status ordered_at "
    "days_to_order visits_before_order lines_out_of_stock",
    "price_changes": "item_id changed_at old_price new_price day_offset views cart_adds "
    "purchased_qty",
}


def _etl_doc_section(table: str) -> str:
    """The text docs/etl.md gives `dwh.<table>`: its `###` section, or its rollup bullet."""
    text = (DOCS / "etl.md").read_text().split("\n## Tables\n", 1)[1].split("\n## ", 1)[0]
    if f"### dwh.{table}" in text:
        return text.split(f"### dwh.{table}", 1)[1].split("\n### ", 1)[0]
    return text.split(f"- `dwh.{table}`", 1)[1].split("\n- ", 1)[0]


def test_dwh_tables_keep_the_contract_and_every_column_is_documented(
    warehouse: Warehouse,
) -> None:
    built = ["user_agents"] + [job.name for job in all_jobs().values() if not job.stage]
    for table in built:
        columns = [
            row["name"]
            for row in warehouse.rows(
                "SELECT name FROM system.columns WHERE database = 'dwh' AND table = {t:String}",
                {"t": table},
            )
        ]
        assert columns, f"dwh.{table} does not exist"
        missing = set(CONTRACT_COLUMNS.get(table, "").split()) - set(columns)
        assert not missing, f"dwh.{table} lacks the contract's columns {sorted(missing)}"
        section = _etl_doc_section(table)
        undocumented = [name for name in columns if f"`{name}`" not in section]
        assert not undocumented, f"docs/etl.md does not describe dwh.{table}.{undocumented}"
