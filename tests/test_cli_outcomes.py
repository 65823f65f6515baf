"""What the commands report is what happened: no success on nothing, ingestion counts of what was
stored, and a process holding the embedded warehouse named (real `loupe collect` processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import orjson
import pytest
from typer.testing import CliRunner

from loupe.cli import app
from loupe.settings import Settings
from loupe.warehouse import open_warehouse
from loupe.warehouse.lock import LOCK_FILE_NAME
from tests.helpers.builds import built_rows
from tests.helpers.calls import api_call
from tests.helpers.dwh import audit_count
from tests.helpers.servers import free_port

LOUPE = str(Path(sys.executable).with_name("loupe"))
runner = CliRunner()


def run(*args: str, code: int = 0):  # type: ignore[no-untyped-def]
    result = runner.invoke(app, list(args), prog_name="loupe")
    assert result.exit_code == code, result.output
    return result


def write_calls(path: Path, records: list[object], extra: bytes = b"") -> Path:
    path.write_bytes(b"\n".join(orjson.dumps(record) for record in records) + b"\n" + extra)
    return path


@pytest.mark.slow
def test_a_day_without_calls_is_named_and_exits_1(loupe_env: Path) -> None:
    run("init")
    audit = run("etl", "audit", "--date", "2020-01-01", code=1)
    assert audit.stdout == ""
    assert audit.stderr == (
        "error: no calls in pd.api_calls on 2020-01-01, timezone UTC: nothing to audit; "
        "--allow-empty audits it anyway\n"
    )
    built = run("etl", "run", "--date", "2030-01-01", code=1)
    assert built.stderr == (
        "error: no calls in pd.api_calls on 2030-01-01, timezone UTC: nothing to build; "
        "--allow-empty builds it anyway\n"
    )
    calls = [api_call(event_id=str(uuid.uuid4()), ts=f"2026-11-{d}T10:00:00Z") for d in (16, 20)]
    run("ingest", str(write_calls(loupe_env / "calls.ndjson", calls)))
    ranged = run("etl", "run", "--from", "2026-11-16", "--to", "2026-11-21", code=1)
    assert ranged.stderr == (
        "error: no calls in pd.api_calls on 4 of 6 days (2026-11-17..2026-11-19, 2026-11-21), "
        "timezone UTC: nothing to build; --allow-empty builds them anyway\n"
    )
    assert run("sql", "SELECT count() FROM etl.job_runs", "-f", "TSV").stdout == "0\n"
    # As the scheduler's runs do, --allow-empty takes empty days as they are.
    built = run("etl", "run", "--date", "2030-01-01", "--allow-empty").stdout
    assert built_rows(built, "2030-01-01")["sessions"] == 0
    audits = f"{audit_count()} of {audit_count()} audits passed"
    assert audits in run("etl", "audit", "--date", "2030-01-01", "--allow-empty").stdout
    run("etl", "run", "--date", "2026-11-16")
    assert run("etl", "audit", "--date", "2026-11-16").stdout.startswith(audits)


def test_ingest_says_what_was_new_and_what_was_already_there(loupe_env: Path) -> None:
    run("init")
    calls = [api_call(event_id=str(uuid.uuid4())) for _ in range(40)]
    first = write_calls(loupe_env / "calls.ndjson", [*calls, calls[0]])  # one call sent twice
    loaded = run("ingest", str(first))
    assert loaded.stdout == "1 file(s), 41 records: 40 new, 1 already present, 0 rejected\n"
    again = run("ingest", str(first))
    assert again.stdout == "1 file(s), 41 records: 0 new, 41 already present, 0 rejected\n"
    assert run("sql", "SELECT count() FROM pd.api_calls FINAL", "-f", "TSV").stdout == "40\n"


def test_ingest_prints_rejections_and_strict_exits_1(loupe_env: Path) -> None:
    run("init")
    calls = [api_call(event_id=str(uuid.uuid4())) for _ in range(3)]
    bad = [api_call(session_id=1), api_call(session_id=2), api_call(session_id=None)]
    path = write_calls(loupe_env / "calls.ndjson", [*calls, *bad], extra=b"not json\n")
    lenient = run("ingest", str(path))
    lines = lenient.stdout.splitlines()
    assert lines[0] == "1 file(s), 7 records: 3 new, 0 already present, 4 rejected"
    assert lines[1] == "rejected (kept with the reason in pd.api_calls_rejected):"
    assert lines[2].startswith('  2 x session_id must be a string; first: \'{"ts":')
    assert sorted(lines[3:]) == [
        "  1 x not valid JSON; first: 'not json'",
        f"  1 x session_id is missing; first: {orjson.dumps(bad[2]).decode()[:80]!r}",
    ]
    strict = run("ingest", str(path), "--strict", code=1)
    assert strict.stdout.startswith("1 file(s), 7 records: 0 new, 3 already present, 4 rejected")
    assert strict.stderr == (
        "error: 4 of 7 records rejected (--strict); the other 3 are in pd.api_calls\n"
    )


@pytest.mark.slow
def test_no_blank_line_before_the_output(loupe_env: Path) -> None:
    """Off a terminal the progress bar stays away: output starts on its first line."""
    run("init")
    path = write_calls(loupe_env / "calls.ndjson", [api_call(event_id=str(uuid.uuid4()))])
    done = subprocess.run([LOUPE, "ingest", str(path)], capture_output=True, text=True, timeout=120)
    assert done.stdout.startswith("1 file(s), 1 records: 1 new"), done.stdout
    for command in (
        ("etl", "run", "--date", "2026-11-20"),
        ("etl", "audit", "--date", "2026-11-20"),
    ):
        done = subprocess.run([LOUPE, *command], capture_output=True, text=True, timeout=120)
        expected = ("2026-11-20", f"{audit_count()} of {audit_count()} audits passed")
        assert done.returncode == 0 and done.stdout.startswith(expected), done.stdout


def start_collector(loupe_env: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "LOUPE_COLLECTOR_TOKEN": "tok", "LOUPE_COLLECTOR_PORT": str(port)}
    server = subprocess.Popen([LOUPE, "collect"], env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return server
        except httpx.TransportError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise AssertionError(f"collector did not start: {server.stderr.read()}") from None
            time.sleep(0.1)


@pytest.mark.slow
def test_status_and_sql_beside_a_running_collector_name_it(
    loupe_env: Path, settings: Settings
) -> None:
    run("init")
    port = free_port()
    collector = start_collector(loupe_env, port)
    try:
        env = {**os.environ, "LOUPE_COLLECTOR_PORT": str(port)}
        status = subprocess.run(
            [LOUPE, "status"], env=env, capture_output=True, text=True, timeout=120
        )
        sql = subprocess.run(
            [LOUPE, "sql", "SELECT 1"], env=env, capture_output=True, text=True, timeout=120
        )
    finally:
        collector.send_signal(signal.SIGTERM)
        collector.wait(60)
    where = f"the warehouse {settings.data_dir.resolve()} is in use by pid {collector.pid}"
    assert status.returncode == 1
    assert status.stderr == (
        f"error: {where} (loupe collect), and only a `loupe serve` answers the status while it "
        f"holds the warehouse (http://127.0.0.1:{port}/status answered 404): stop that process, "
        "or run `loupe serve` in its place\n"
    )
    assert sql.returncode == 1
    assert sql.stderr == (
        f"error: {where} (loupe collect): an embedded warehouse opens in one process at a time, "
        "and commands cannot share it with a running process yet. Stop it (SIGTERM) first, or "
        "run the collector, the scheduler and the dashboards together in one `loupe serve`.\n"
    )
    assert run("status").stdout.startswith("loupe status at ")  # nothing runs: no lock claimed


@pytest.mark.slow
def test_the_lock_does_not_send_the_user_of_serve_to_serve(
    loupe_env: Path, settings: Settings
) -> None:
    """The holder's line in the lock file says which command holds it (here: as `loupe serve`
    writes it, held by this process's real flock)."""
    with open_warehouse(settings):
        (settings.data_dir / LOCK_FILE_NAME).write_text(f"pid {os.getpid()} (loupe serve)\n")
        done = subprocess.run(
            [LOUPE, "sql", "SELECT 1"], capture_output=True, text=True, timeout=60
        )
    assert done.returncode == 1
    assert done.stderr.endswith(
        "That `loupe serve` already runs the collector, the scheduler and the dashboards "
        "(/dashboards/ on its port), and `loupe status` asks it; stop it (SIGTERM) to run other "
        "commands.\n"
    )
    assert "together in one `loupe serve`" not in done.stderr
