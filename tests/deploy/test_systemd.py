"""The systemd units pass `systemd-analyze verify` and carry the promised hardening."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer

UNITS = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
INSTALLED_LOUPE = "/opt/loupe/.venv/bin/loupe"
SERVICES = sorted(UNITS.glob("*.service"))


@pytest.fixture(scope="module")
def analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("systemd-analyze is missing: CI must `apt-get install -y systemd`")
        pytest.skip("systemd-analyze not installed (Debian: apt-get install -y systemd)")
    return found


def verify(analyze: str, directory: Path) -> subprocess.CompletedProcess:
    units = sorted(
        str(path) for path in directory.iterdir() if path.suffix in (".service", ".timer")
    )
    return subprocess.run(
        [analyze, "verify", *units], cwd=directory, capture_output=True, text=True, timeout=120
    )


def copies(directory: Path) -> Path:
    """The units with ExecStart pointing at this venv's `loupe` (verify needs it to exist)."""
    loupe = Path(sys.executable).parent / "loupe"
    assert loupe.is_file()
    for unit in UNITS.iterdir():
        if unit.suffix in (".service", ".timer"):
            text = unit.read_text().replace(INSTALLED_LOUPE, str(loupe))
            (directory / unit.name).write_text(text)
    return directory


@pytest.mark.slow
def test_units_verify_without_a_warning(analyze: str, tmp_path: Path) -> None:
    result = verify(analyze, copies(tmp_path))
    # verify exits 0 on unknown keys and bad values too: only silence means clean.
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stderr


@pytest.mark.slow
def test_verify_would_catch_a_mistake(analyze: str, tmp_path: Path) -> None:
    directory = copies(tmp_path)
    unit = directory / "loupe-scheduler.service"
    unit.write_text(unit.read_text().replace("ProtectSystem=strict", "ProtectSystem=stricter"))
    result = verify(analyze, directory)
    assert "stricter" in result.stderr


def settings_of(unit: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in unit.read_text().splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs if not key.startswith("#")}


@pytest.mark.parametrize("unit", SERVICES, ids=lambda path: path.name)
def test_services_are_hardened(unit: Path) -> None:
    found = settings_of(unit)
    assert found["User"] == "loupe"
    assert found["EnvironmentFile"] == "/etc/loupe/loupe.env"
    assert found["ProtectSystem"] == "strict"
    assert found["ReadWritePaths"] == "/var/lib/loupe"
    assert found["NoNewPrivileges"] == "yes"
    assert found["Type"] == "oneshot" or found["Restart"] == "on-failure"


@pytest.mark.parametrize("unit", SERVICES, ids=lambda path: path.name)
def test_services_start_real_commands(unit: Path) -> None:
    import loupe.cli.run  # noqa: F401  (registers run, serve, status)
    from loupe.cli import app

    words = shlex.split(settings_of(unit)["ExecStart"])
    assert words[0] == INSTALLED_LOUPE
    command = typer.main.get_command(app).commands[words[1]]  # type: ignore[attr-defined]
    options = {opt for param in command.params for opt in getattr(param, "opts", [])}
    assert set(words[2:]) <= options


def test_timer_starts_the_hourly_run() -> None:
    timer = settings_of(UNITS / "loupe-hourly.timer")
    assert timer["Unit"] == "loupe-hourly.service" and timer["Persistent"] == "yes"
    assert "loupe-scheduler.service" in settings_of(UNITS / "loupe-hourly.service")["Conflicts"]
