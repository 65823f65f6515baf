"""The official Node.js client, @clickhouse/client (pinned in tests/interface/node/package.json
and package-lock.json; `npm ci` there installs it), against the interface of a real
`loupe serve`: queries with parameters, JSON formats, an insert as the admin, errors with their
codes, and gzip on requests and responses as seen on the wire."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers.interface import READER_PASSWORD, Served

NODE_DIR = Path(__file__).parent / "node"


def node_client_ready() -> None:
    """Skip locally when node or the installed client is missing; under CI, fail."""
    missing = None
    if shutil.which("node") is None:
        missing = "node is not installed"
    elif not (NODE_DIR / "node_modules" / "@clickhouse" / "client").is_dir():
        missing = f"@clickhouse/client is not installed: run `npm ci` in {NODE_DIR}"
    if missing and os.environ.get("CI"):
        pytest.fail(missing)
    if missing:
        pytest.skip(missing)


def test_the_node_client_queries_inserts_and_compresses(served: Served) -> None:
    node_client_ready()
    done = subprocess.run(
        ["node", "basics.mjs", served.url, READER_PASSWORD, served.admin_password],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["ping"] is True
    assert report["rows"] == [{"n": 2, "label": "two"}, {"n": 3, "label": "three"}]
    assert int(report["count"]) == 3
    inserted = report["inserted"]
    assert int(inserted["c"]) == 5000 and int(inserted["s"]) == sum(range(5000))
    assert inserted["ok"] == 1 and inserted["longest"] == len("note 4999 ") + 50
    # gzip both ways: the insert's body went gzipped, and the query's answer came gzipped.
    assert [call["request_encoding"] for call in report["insert_wire"]] == ["gzip"]
    assert [call["response_encoding"] for call in report["query_wire"]] == ["gzip"]
    assert report["denied"]["code"] == "497"  # the reader's guard: pd is not its database
    assert "pd" in report["denied"]["message"]
    assert (report["missing"]["code"], report["missing"]["type"]) == ("60", "UNKNOWN_TABLE")
    assert report["reader_insert"]["code"] == "164"  # readonly
