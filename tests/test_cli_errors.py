"""Every command of README.md and docs/cli.md, given a wrong argument as a new user would: one
`error:` line on stderr and the documented exit code (2 for usage errors, 1 for runtime errors).

The runs go through Typer's runner on the real embedded engine; the settings and the server engine
run as real processes, where a stray log line from a library would show.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loupe.cli import app
from tests.helpers.servers import free_port

ROOT = Path(__file__).resolve().parents[1]
LOUPE = str(Path(sys.executable).with_name("loupe"))
runner = CliRunner()

# (arguments, the one stderr line, or its start when it ends with "...")
USAGE_ERRORS = [
    (("nosuch",), "error: no such command 'nosuch' (see `loupe --help`)"),
    (("--bogus",), "error: no such option: --bogus..."),
    (("init", "--bogus"), "error: no such option: --bogus..."),
    (("migrate", "--dry-run=yes"), "error: option '--dry-run' does not take a value..."),
    (("sql",), "error: missing argument 'query' (see `loupe sql --help`)"),
    (("retention", "--dry-run=yes"), "error: option '--dry-run' does not take a value..."),
    (
        ("sql", "SELECT 1", "--format", "NoSuchFormat"),
        "error: invalid value for '--format': 'NoSuchFormat' is not a ClickHouse output format "
        "(CSV, TSV, JSONEachRow, Parquet, Pretty...) (see `loupe sql --help`)",
    ),
    (("ingest",), "error: missing argument 'files' (see `loupe ingest --help`)"),
    (("collect", "--port", "1"), "error: no such option: --port..."),
    (
        ("simulate", "--timezone", "Mars/Olympus"),
        "error: invalid value for '--timezone': unknown timezone 'Mars/Olympus' (an IANA name, "
        "e.g. Europe/Berlin) (see `loupe simulate --help`)",
    ),
    (("simulate", "--start", "2026-13-01"), "error: invalid value for --start: '2026-13-01'..."),
    (
        ("etl", "run", "--date", "2026-13-01"),
        "error: invalid value for '--date': '2026-13-01' is not a date (YYYY-MM-DD) "
        "(see `loupe etl run --help`)",
    ),
    (
        ("etl", "run", "--from", "2026-11-22", "--to", "2026-11-16"),
        "error: --to 2026-11-16 is before --from 2026-11-22 (see `loupe etl run --help`)",
    ),
    (("etl", "sessions", "--date", "2026-02-30"), "error: invalid value for '--date'..."),
    (("etl", "catalog-sessions", "--date", "yesterday"), "error: invalid value for '--date'..."),
    (("etl", "product-sessions", "--date", "20261120"), "error: invalid value for '--date'..."),
    (
        ("etl", "user-agents", "--from", "2026-11-16"),
        "error: --from and --to go together (see `loupe etl user-agents --help`)",
    ),
    (
        ("etl", "hourly", "--lookback-hours", "six"),
        "error: invalid value for '--lookback-hours'...",
    ),
    (("etl", "audit", "--date", "2026-13-01"), "error: invalid value for '--date'..."),
    (("etl", "nosuch"), "error: no such command 'nosuch' (see `loupe etl --help`)"),
    (("demo", "--days", "0"), "error: invalid value for '--days'..."),
    (("snapshot", "--days", "0"), "error: invalid value for '--days'..."),
    (("forget", "--name", "ann"), "error: no such option: --name..."),
    (("run", "--interval-seconds", "0"), "error: invalid value for '--interval-seconds'..."),
    (
        ("serve", "--check-seconds", "0"),
        "error: invalid value for '--check-seconds': '0' must be above 0 "
        "(see `loupe serve --help`)",
    ),
    (
        ("status", "--max-lag-minutes", "soon"),
        "error: invalid value for '--max-lag-minutes': 'soon' is not a number "
        "(see `loupe status --help`)",
    ),
    (
        ("dashboards", "--port", "99999"),
        "error: invalid value for '--port': Input should be less than or equal to 65535 "
        "(see `loupe dashboards --help`)",
    ),
    (("metabase", "push"), "error: missing option '--url' (env var: 'LOUPE_METABASE_URL')..."),
    (
        ("metabase", "export"),
        "error: missing argument 'directory' (see `loupe metabase export --help`)",
    ),
]


def assert_one_line(stderr: str, expected: str) -> None:
    assert stderr.count("\n") == 1 and stderr.endswith("\n"), stderr
    line = stderr.rstrip("\n")
    if expected.endswith("..."):
        assert line.startswith(expected[:-3]), line
    else:
        assert line == expected


@pytest.mark.parametrize(
    ("args", "expected"), USAGE_ERRORS, ids=[" ".join(args) for args, _ in USAGE_ERRORS]
)
def test_a_usage_error_is_one_line_with_exit_code_2(
    loupe_env: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], expected: str
) -> None:
    monkeypatch.delenv("LOUPE_METABASE_URL", raising=False)
    result = runner.invoke(app, list(args), prog_name="loupe")
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert_one_line(result.stderr, expected)


def documented_commands() -> set[str]:
    """The commands README.md and docs/cli.md name (`loupe X`, `loupe etl X`, ...)."""
    text = (ROOT / "README.md").read_text() + (ROOT / "docs" / "cli.md").read_text()
    names = set(re.findall(r"\bloupe ((?:etl|metabase) [a-z][a-z-]*|[a-z][a-z-]*)", text))
    return names - {"etl", "metabase"}


def test_the_walk_covers_every_documented_command() -> None:
    tried = {
        " ".join(args[:2]) if args[0] in ("etl", "metabase") else args[0]
        for args, _ in (USAGE_ERRORS)
    }
    documented = documented_commands()
    assert len(documented) >= 20
    assert documented <= tried, sorted(documented - tried)


@pytest.mark.slow
def test_runtime_errors_are_one_line_with_exit_code_1(loupe_env: Path) -> None:
    assert runner.invoke(app, ["init"]).exit_code == 0
    port = free_port()
    for args, expected in (
        (("sql", "SELECT * FROM pd.missing"), "error: Code: 60. DB::Exception: Unknown table..."),
        (("ingest", "nope.ndjson"), "error: nope.ndjson: no such file"),
        (("status", "--url", f"http://127.0.0.1:{port}"), f"error: http://127.0.0.1:{port}/..."),
        (("metabase", "push", "--url", "http://127.0.0.1:1"), "error: the warehouse is embed..."),
    ):
        result = runner.invoke(app, list(args))
        assert result.exit_code == 1, (args, result.output)
        assert_one_line(result.stderr, expected)
    refused = runner.invoke(app, ["status", "--url", f"http://127.0.0.1:{port}"])
    assert "locked" not in refused.stderr  # nothing holds the warehouse: no lock is claimed


def loupe(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [LOUPE, *args],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_a_closed_server_port_is_one_line(loupe_env: Path) -> None:
    port = free_port()
    done = loupe(
        loupe_env, "sql", "SELECT 1", LOUPE_ENGINE="server", LOUPE_CLICKHOUSE_PORT=str(port)
    )
    assert done.returncode == 1
    assert done.stderr == (
        f"error: cannot reach the ClickHouse server at http://localhost:{port} (connection "
        "refused); check the clickhouse_host and clickhouse_port settings\n"
    )


@pytest.mark.slow
def test_a_malformed_settings_file_is_named(loupe_env: Path) -> None:
    (loupe_env / "loupe.toml").write_text('engine = "server\n')
    done = loupe(loupe_env, "sql", "SELECT 1")
    assert done.returncode == 1
    assert done.stderr == (
        "error: loupe.toml: not valid TOML: Illegal character '\\n' (at line 1, column 17)\n"
    )
    (loupe_env / "loupe.toml").write_text('timezone = "Mars/Olympus"\n')
    done = loupe(loupe_env, "sql", "SELECT 1")
    assert done.stderr == (
        "error: invalid settings: loupe.toml: timezone: unknown timezone 'Mars/Olympus'\n"
    )
