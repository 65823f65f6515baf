"""The `loupe` command line. Each command module registers its commands on `app`."""

from loupe.cli import (
    dashboards,
    demo,
    etl,
    history,
    ingest,
    metabase,
    privacy,
    run,
    simulate,
    warehouse,
)
from loupe.cli.app import app

__all__ = [
    "app",
    "dashboards",
    "demo",
    "etl",
    "history",
    "ingest",
    "main",
    "metabase",
    "privacy",
    "run",
    "simulate",
    "warehouse",
]


def main() -> None:
    """Entry point of the `loupe` console script."""
    app()
