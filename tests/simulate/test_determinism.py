"""Same seed and options, byte-identical outputs: NDJSON (plain and gzip), truth, database."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from tests.helpers.simulation import simulate

SMALL_RUN = {"days": 2, "visits_per_day": 120, "items": 200}


def checksums(base: Path) -> dict[str, str]:
    sums = {
        path.relative_to(base).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(base.rglob("*"))
        if path.is_file() and path.suffix != ".sqlite"
    }
    with sqlite3.connect(base / "shop.sqlite") as connection:
        dump = "\n".join(connection.iterdump())
    sums["shop.sqlite (dump)"] = hashlib.sha256(dump.encode()).hexdigest()
    return sums


def test_same_seed_same_bytes(tmp_path):
    simulate(tmp_path / "a", compress=True, **SMALL_RUN)
    simulate(tmp_path / "b", compress=True, **SMALL_RUN)
    first, second = checksums(tmp_path / "a"), checksums(tmp_path / "b")
    assert first == second
    assert any(name.endswith(".ndjson.gz") for name in first)
    assert {"truth/visits.ndjson", "truth/days.ndjson", "truth/run.json"} <= set(first)


def test_other_seed_other_bytes(tmp_path):
    simulate(tmp_path / "a", **SMALL_RUN)
    simulate(tmp_path / "b", seed=8, **SMALL_RUN)
    first, second = checksums(tmp_path / "a"), checksums(tmp_path / "b")
    assert first.keys() & second.keys()
    assert all(first[name] != second[name] for name in first.keys() & second.keys())


def test_gzip_holds_the_same_records(tmp_path):
    plain = simulate(tmp_path / "plain", **SMALL_RUN)
    packed = simulate(tmp_path / "packed", compress=True, **SMALL_RUN)
    assert plain.lines() == packed.lines()
    assert len(plain.lines()) == plain.summary.calls
