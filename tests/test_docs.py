"""Docs stay honest: every setting and every command (with its options) is documented."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
import typer

from loupe.cli import app
from loupe.settings import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"
COMMANDS = typer.main.get_command(app).commands  # type: ignore[attr-defined]


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_setting_is_documented(field: str) -> None:
    text = (DOCS / "settings.md").read_text()
    assert f"| `{field}` | `LOUPE_{field.upper()}` |" in text


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_is_documented(name: str) -> None:
    text = (DOCS / "cli.md").read_text()
    assert f"### loupe {name}\n" in text
    section = text.split(f"### loupe {name}\n", 1)[1].split("\n### ", 1)[0]
    command = COMMANDS[name]
    for sub in getattr(command, "commands", {}):
        assert f"loupe {name} {sub}" in section, f"loupe {name} {sub} is not documented"
    for param in command.params:
        if isinstance(param, click.Option) and param.name not in ("verbose", "help"):
            assert param.opts[0] in section, f"{param.opts[0]} of loupe {name} is not documented"


def test_readme_commands_exist() -> None:
    readme = (DOCS.parent / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme
