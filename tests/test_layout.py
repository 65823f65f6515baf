"""Where the tests are. The tests of table `dwh.X` are in `tests/dwh/test_X.py`, whichever package
builds it (jobs, history); the tests of a module of `src/loupe/` are in the same place under
`tests/`, and the one cross-table truth test is `tests/jobs/test_truth.py`. Helpers are in
`tests/helpers/`, fixtures in the conftests: no test module imports another, or a conftest."""

from __future__ import annotations

import ast
from pathlib import Path

from loupe.warehouse import Warehouse

TESTS = Path(__file__).resolve().parent


def test_every_dwh_table_has_a_test_module_named_after_it(warehouse: Warehouse) -> None:
    """Every table and view in dwh once migrated; the live views over the production database
    (dwh.icart, dwh.ifavs) exist only once it is linked and are tested in history/test_live.py."""
    tables = set(
        warehouse.scalar("SELECT groupArray(name) FROM system.tables WHERE database = 'dwh'")
    )
    assert {"sessions", "orders", "order_reconciliation_latest"} <= tables
    modules = {path.stem.removeprefix("test_") for path in (TESTS / "dwh").glob("test_*.py")}
    assert sorted(tables - modules) == []  # a table without tests/dwh/test_<table>.py
    assert sorted(modules - tables) == []  # a module in tests/dwh/ named after no table


def test_test_modules_import_helpers_not_tests_or_conftests() -> None:
    wrong = []
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                if parts[0] == "tests" and (
                    parts[-1] == "conftest" or parts[-1].startswith("test_")
                ):
                    wrong.append(f"{path.relative_to(TESTS)}: from {node.module}")
    assert wrong == []
