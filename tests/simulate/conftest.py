"""Fixtures of the simulator tests: one small run shared by the session."""

from __future__ import annotations

import pytest

from tests.helpers.simulation import Run, simulate


@pytest.fixture(scope="session")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """Three days of 300 visits, written to NDJSON, truth files and SQLite."""
    return simulate(tmp_path_factory.mktemp("small_run"))
