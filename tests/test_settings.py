"""Settings: environment over secret files over loupe.toml; secrets never print."""

from __future__ import annotations

from pathlib import Path

import pytest

from loupe.errors import ConfigError
from loupe.settings import load_settings


def test_precedence(loupe_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (loupe_env / "loupe.toml").write_text('timezone = "Europe/Moscow"\ncollector_port = 9000\n')
    monkeypatch.setenv("LOUPE_COLLECTOR_PORT", "9100")
    settings = load_settings()
    assert settings.timezone == "Europe/Moscow"
    assert settings.collector_port == 9100


def test_secret_from_file_never_prints(loupe_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = loupe_env / "credentials"
    secrets.mkdir()
    (secrets / "loupe_clickhouse_password").write_text("pw-from-a-file")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(secrets))
    settings = load_settings()
    assert settings.clickhouse_password.get_secret_value() == "pw-from-a-file"
    assert "pw-from-a-file" not in repr(settings) and "pw-from-a-file" not in str(settings)


def test_unknown_key_in_file_is_refused(loupe_env: Path) -> None:
    (loupe_env / "loupe.toml").write_text("colector_port = 1\n")
    with pytest.raises(ConfigError, match="colector_port"):
        load_settings()


def test_named_config_file_must_exist(loupe_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOUPE_CONFIG", str(loupe_env / "missing.toml"))
    with pytest.raises(ConfigError, match="no such file"):
        load_settings()


def test_cluster_name_must_be_an_identifier(loupe_env: Path) -> None:
    with pytest.raises(ConfigError, match="cluster"):
        load_settings(cluster="c1; DROP DATABASE pd")
