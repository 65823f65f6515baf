"""The command line, driven through Typer's CLI runner against the real embedded warehouse."""

from __future__ import annotations

import gzip
import json
import time
import uuid
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

import loupe.jobs
import loupe.scheduler
from loupe.cli import app
from tests.helpers.builds import built_rows
from tests.helpers.calls import api_call
from tests.helpers.dwh import audit_count
from tests.helpers.mariadb import MariaDB
from tests.interface.holding import holding_process

runner = CliRunner()


def run(*args: str, ok: bool = True):  # type: ignore[no-untyped-def]
    result = runner.invoke(app, list(args))
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_help_lists_commands(loupe_env: Path) -> None:
    output = run("--help").output
    for command in ("init", "migrate", "sql", "ingest", "collect"):
        assert command in output


def test_init_is_idempotent(loupe_env: Path) -> None:
    first = run("init").output
    assert "0002_pd_api_calls.sql" in first
    assert "none (up to date)" in run("init").output
    assert "pending: none" in run("migrate", "--dry-run").output


def test_sql_prints_a_table_or_any_format(loupe_env: Path) -> None:
    run("init")
    table = run("sql", "SELECT {n:UInt8} * 2 AS doubled, 'кольцо' AS word", "-p", "n=21").output
    assert "doubled" in table and "42" in table and "кольцо" in table
    lines = run("sql", "SELECT number AS n FROM numbers(2)", "--format", "JSONEachRow").stdout
    assert [json.loads(line) for line in lines.splitlines()] == [{"n": 0}, {"n": 1}]


def test_errors_are_one_line_without_traceback(loupe_env: Path) -> None:
    run("init")
    result = run("sql", "SELECT * FROM pd.missing", ok=False)
    assert result.exit_code == 1
    assert "error:" in result.stderr and "pd.missing" in result.stderr
    assert "Traceback" not in result.output
    assert "error: --param expects name=value" in run("sql", "SELECT 1", "-p", "x", ok=False).stderr


def test_verbose_logs_sql_with_timing(loupe_env: Path) -> None:
    result = run("sql", "SELECT 1 AS one", "-v")
    assert "SELECT 1 AS one" in result.stderr and " ms" in result.stderr


def test_invalid_setting_is_one_clear_line(
    loupe_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOUPE_TIMEZONE", "Mars/Olympus")
    result = run("sql", "SELECT 1", ok=False)
    assert "error: invalid settings: timezone" in result.stderr


def test_settings_file_and_environment(loupe_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (loupe_env / "loupe.toml").write_text('cluster = "from_file"\ntimezone = "Europe/Moscow"\n')
    monkeypatch.setenv("LOUPE_CLUSTER", "from_env")
    output = run("migrate", "--print-sql").output
    assert "ON CLUSTER from_env" in output  # the environment wins over the file


def test_ingest_files(loupe_env: Path) -> None:
    run("init")
    ndjson_gz = loupe_env / "calls.ndjson.gz"
    lines = [orjson.dumps(api_call(event_id=str(uuid.uuid4()))) for _ in range(30)]
    ndjson_gz.write_bytes(gzip.compress(b"\n".join([*lines, b"not json"]) + b"\n"))
    array = loupe_env / "calls.json"
    array.write_bytes(orjson.dumps([api_call(endpoint="/api/v1/home"), api_call(ts="?")]))
    output = run("ingest", str(ndjson_gz), str(array)).output
    assert "2 file(s), 33 records: 31 new, 0 already present, 2 rejected" in output
    count = run("sql", "SELECT count() FROM pd.api_calls", "--format", "TSV").stdout
    assert count.strip() == "31"


def test_ingest_missing_file_is_clear(loupe_env: Path) -> None:
    run("init")
    result = run("ingest", "nope.ndjson", ok=False)
    assert "error: nope.ndjson: no such file" in result.stderr


def test_ingest_before_init_is_clear(loupe_env: Path) -> None:
    (loupe_env / "calls.ndjson").write_bytes(orjson.dumps(api_call()))
    result = run("ingest", "calls.ndjson", ok=False)
    assert "run `loupe init` first" in result.stderr


@pytest.mark.slow
def test_demo_builds_a_warehouse_that_matches_the_truth(loupe_env: Path) -> None:
    args = ("demo", "--days", "2", "--visits-per-day", "60", "--seed", "5")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LOUPE_PRODUCTION_URL", "sqlite:///.loupe/shop.sqlite")
        first = run(*args).output
        again = run(*args).output
        linked = run("sql", "SELECT count() FROM mysql.items", "--format", "TSV").stdout
    assert "simulated and loaded" in first and "already loaded, reused" in again
    checks = 3 * audit_count()  # every audit on the 2 days and the day after
    assert f"audits: {checks} of {checks} passed" in first
    truth = loupe_env / ".loupe" / "truth" / "seed-5" / "days.ndjson"
    days = [json.loads(line) for line in truth.read_text().splitlines()]
    for day in days:
        assert f"│ {day['date']} │ {day['human_visits']} " in first
    assert int(linked) > 0


def test_etl_refuses_a_warehouse_with_pending_migrations(loupe_env: Path) -> None:
    run("sql", "CREATE DATABASE IF NOT EXISTS etl")  # a warehouse that was never migrated
    result = run("etl", "run", "--date", "2026-11-20", ok=False)
    assert "migrations are pending (0001_databases.sql ... " in result.stderr
    assert "run `loupe migrate`" in result.stderr and len(result.stderr.splitlines()) == 1
    run("init")
    built = run("etl", "run", "--date", "2026-11-20", "--allow-empty").output
    assert built_rows(built, "2026-11-20")["sessions"] == 0


@pytest.mark.slow
def test_etl_audit_passes_a_built_day_and_fails_a_broken_one(loupe_env: Path) -> None:
    run("init")
    calls = [
        api_call(event_id=str(uuid.uuid4()), ts=f"2026-11-20T10:1{n}:00.000Z") for n in range(3)
    ]
    (loupe_env / "calls.ndjson").write_bytes(b"\n".join(orjson.dumps(c) for c in calls))
    run("ingest", "calls.ndjson")
    run("etl", "run", "--date", "2026-11-20")
    audits = audit_count()
    passed = run("etl", "audit", "--date", "2026-11-20").output
    assert f"{audits} of {audits} audits passed ({audits} audits, 1 day(s))" in passed

    run("sql", "INSERT INTO dwh.sessions SELECT * FROM dwh.sessions")  # the visit twice
    failed = run("etl", "audit", "--date", "2026-11-20", ok=False)
    assert failed.exit_code == 1
    assert f"{audits - 2} of {audits} audits passed" in failed.output
    assert "failed: sessions_one_row_per_visit on 2026-11-20: 1 offending rows (" in failed.output
    assert "'rows': 2}" in failed.output  # the sample row: the visit id, seen twice
    only = run("etl", "audit", "--date", "2026-11-20", "--audit", "sessions_fields_agree").output
    assert "1 of 1 audits passed" in only
    unknown = run("etl", "audit", "--audit", "nope", ok=False)
    assert unknown.exit_code == 2
    assert unknown.stderr.startswith("error: invalid value for '--audit': unknown audits ['nope']")


@pytest.mark.slow
def test_etl_commands_refuse_to_run_beside_another_etl_run(loupe_env: Path) -> None:
    """While another process (a scheduler) holds the ETL's lease, a manual run stages nothing
    and names the holder; once that lease lapses, it runs."""
    run("init")
    take = (Path(loupe.scheduler.__file__).parent / "sql" / "lease_take.sql").read_text()
    lease = {"lock_name": "etl_days", "token": uuid.uuid4(), "holder": "elsewhere:42:x"}
    ttl_s = 10  # room for the four refusals below on a loaded machine
    params = [f"{name}={value}" for name, value in {**lease, "ttl_ms": ttl_s * 1000}.items()]
    run("sql", *[arg for param in params for arg in ("-p", param)], "--", take)
    taken = time.monotonic()
    for command in (
        ("etl", "run", "--date", "2026-11-20", "--allow-empty"),
        ("etl", "sessions", "--date", "2026-11-20", "--allow-empty"),
        ("etl", "hourly"),
        ("etl", "audit", "--date", "2026-11-20", "--allow-empty"),
    ):
        refused = run(*command, ok=False)
        assert refused.exit_code == 1, command
        assert refused.stderr.startswith(
            "error: another ETL run is under way: etl_days is held by elsewhere:42:x"
        ), command
    assert run("sql", "SELECT count() FROM etl.job_runs", "--format", "TSV").stdout == "0\n"
    time.sleep(max(0.0, taken + ttl_s + 0.1 - time.monotonic()))  # the holder stopped renewing
    built = run("etl", "run", "--date", "2026-11-20", "--allow-empty").output
    assert built_rows(built, "2026-11-20")["sessions"] == 0


@pytest.mark.slow
def test_etl_run_keeps_the_parsed_calls_of_recent_days_only(loupe_env: Path) -> None:
    """`loupe etl run` drops the parsed calls of days more than `etl_parsed_calls_days` before
    the newest built (as the nightly run does); dwh keeps every day."""
    run("init")
    days = ("2026-11-10", "2026-11-19", "2026-11-20")
    calls = [api_call(event_id=str(uuid.uuid4()), ts=f"{day}T10:00:00.000Z") for day in days]
    (loupe_env / "calls.ndjson").write_bytes(b"\n".join(orjson.dumps(c) for c in calls))
    run("ingest", "calls.ndjson")
    run("etl", "run", "--from", "2026-11-10", "--to", "2026-11-20", "--allow-empty")
    parsed = run("sql", "SELECT DISTINCT date FROM etl.visit_calls ORDER BY date", "-f", "TSV")
    assert parsed.stdout.split() == ["2026-11-19", "2026-11-20"]
    built = run("sql", "SELECT DISTINCT date FROM dwh.sessions ORDER BY date", "-f", "TSV")
    assert built.stdout.split() == list(days)


@pytest.mark.slow
def test_demo_on_a_clickhouse_server_linked_to_mariadb(
    loupe_env: Path, mariadb: MariaDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The production setup: the server engine (clickhouse-connect over HTTP to a ClickHouse
    server: here the HTTP interface of a Loupe process holding a chDB warehouse) and the
    production database on MariaDB, which the server reads through `mysql`."""
    with holding_process(loupe_env / "server") as holder:
        password = holder.admin_password
        environment = {**holder.server_environment(), "LOUPE_PRODUCTION_URL": mariadb.url}
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        report = run("-v", "demo", "--days", "2", "--visits-per-day", "60", "--seed", "5")
        linked = run("sql", "SELECT count() FROM mysql.items", "--format", "TSV").stdout
        versions = run("sql", "SELECT count() FROM history.items", "--format", "TSV").stdout
        status = run("status").output
    checks = 3 * audit_count()  # every audit on the 2 days and the day after
    assert f"audits: {checks} of {checks} passed" in report.output
    assert "healthy" in status
    truth = loupe_env / ".loupe" / "truth" / "seed-5" / "days.ndjson"
    for day in map(json.loads, truth.read_text().splitlines()):
        assert f"│ {day['date']} │ {day['human_visits']} " in report.output
    assert int(linked) > 0 and int(versions) >= int(linked)
    assert "ms: CREATE DATABASE IF NOT EXISTS etl" in report.stderr  # -v logs each statement ...
    for secret in (password, mariadb.password):  # ... and never a password
        assert secret not in report.output + report.stderr
    assert not (loupe_env / ".loupe" / "warehouse").exists()  # nothing went to chDB
