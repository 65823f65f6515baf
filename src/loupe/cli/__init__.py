"""The `loupe` command line. Each command module registers its commands on `app`."""

from loupe.cli import ingest, warehouse
from loupe.cli.app import app

__all__ = ["app", "ingest", "main", "warehouse"]


def main() -> None:
    """Entry point of the `loupe` console script."""
    app()
