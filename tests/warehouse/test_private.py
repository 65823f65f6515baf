"""The embedded warehouse keeps the production password from other users: a real chDB directory
linked to MariaDB over TCP, walked file by file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loupe.settings import load_settings
from loupe.warehouse import open_warehouse
from tests.helpers.mariadb import MariaDB

DOCS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def walk(directory: Path) -> list[tuple[Path, int]]:
    """Every directory and file under `directory` (symlinks skipped), with its permission bits."""
    found = []
    for root, dirs, files in os.walk(directory):
        for name in dirs + files:
            mode = os.lstat(Path(root) / name).st_mode
            if not stat.S_ISLNK(mode):
                found.append((Path(root) / name, stat.S_IMODE(mode)))
    return found


@pytest.mark.mariadb
def test_no_file_readable_by_others_holds_the_password(
    loupe_env: Path, mariadb: MariaDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    from loupe.cli import app

    with mariadb.connect() as db, db.cursor() as cursor:
        cursor.execute("CREATE TABLE items (id INT PRIMARY KEY)")
    monkeypatch.setenv("LOUPE_PRODUCTION_URL", mariadb.url)
    os.umask(0o022)  # a usual umask: the warehouse must not depend on a strict one
    result = CliRunner().invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    data_dir = loupe_env / "warehouse"
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    entries = walk(data_dir)
    assert len(entries) > 20
    secret = mariadb.password.encode()
    holding = [path for path, mode in entries if path.is_file() and secret in path.read_bytes()]
    assert holding  # measured: chDB keeps a MySQL engine's arguments in its metadata ...
    for path, mode in entries:
        assert not mode & 0o077, f"{path} is {oct(mode)}"  # ... so nothing is open to others
        if path.is_file() and mode & 0o004:
            assert secret not in path.read_bytes(), path
    assert os.umask(0o022) == 0o022  # the process's umask is restored once the warehouse closed


def test_an_open_directory_is_closed_when_opened(loupe_env: Path) -> None:
    settings = load_settings()
    with open_warehouse(settings) as warehouse:
        warehouse.command("CREATE DATABASE old")
    data_dir = loupe_env / "warehouse"
    for path, _ in walk(data_dir):  # as an older Loupe left it: open to everyone
        path.chmod(0o755 if path.is_dir() else 0o644)
    data_dir.chmod(0o755)
    with open_warehouse(settings) as warehouse:
        assert warehouse.scalar("SELECT count() FROM system.databases WHERE name = 'old'") == 1
    assert [(path, mode) for path, mode in walk(data_dir) if mode & 0o077] == []
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700


def test_operations_guide_states_the_permissions() -> None:
    text = DOCS.read_text()
    assert "0700" in text and "0600" in text and "umask" in text
