"""The `loupe` command line. Each command module registers its commands on `app`."""

from loupe.cli import demo, etl, history, ingest, run, simulate, warehouse
from loupe.cli.app import app

__all__ = ["app", "demo", "etl", "history", "ingest", "main", "run", "simulate", "warehouse"]


def main() -> None:
    """Entry point of the `loupe` console script."""
    app()
