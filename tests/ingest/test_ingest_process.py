"""`loupe ingest` as a real process: a record it cannot decode is rejected, never fatal."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import orjson
import pytest

from loupe.settings import Settings
from loupe.warehouse import open_warehouse
from tests.helpers.calls import api_call
from tests.helpers.collector_child import migrated

pytestmark = pytest.mark.slow  # real `loupe ingest` processes

DEEP = b"[" * 300 + b"]" * 300


def loupe_ingest(path: Path) -> subprocess.CompletedProcess:
    loupe = str(Path(sys.executable).with_name("loupe"))
    env = {**os.environ, "LOUPE_MAX_RECORD_BYTES": "1024"}
    return subprocess.run(
        [loupe, "ingest", str(path)], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("layout", ["ndjson", "array"])
def test_undecodable_records_are_rejected_and_the_file_loaded(
    settings: Settings, loupe_env: Path, layout: str
) -> None:
    migrated(settings)
    ids = [str(uuid.uuid4()) for _ in range(2)]
    deep = orjson.dumps(api_call()).replace(b'"section":"rings"', b'"section":' + DEEP)
    texts = [orjson.dumps(api_call(event_id=ids[0])), deep, orjson.dumps(api_call(event_id=ids[1]))]
    if layout == "ndjson":
        texts.insert(2, b"\xff" * 5000)  # over 4 x the limit, and not UTF-8
        content = b"\n".join(texts)
    else:
        content = b"[" + b",\n".join(texts) + b"]"
    path = loupe_env / f"calls.{layout}"
    path.write_bytes(content)
    result = loupe_ingest(path)
    assert result.returncode == 0, result.stderr
    with open_warehouse(settings) as warehouse:
        stored = warehouse.rows("SELECT toString(event_id) AS id FROM pd.api_calls ORDER BY id")
        assert [row["id"] for row in stored] == sorted(ids)
        reasons = warehouse.rows(
            "SELECT reason FROM pd.api_calls_rejected WHERE source = 'ingest' ORDER BY reason"
        )
        expected = ["record is nested too deeply"]
        if layout == "ndjson":
            expected.insert(0, "record is 5000 bytes, over the limit")
        assert [row["reason"] for row in reasons] == expected
