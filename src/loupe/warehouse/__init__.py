"""Warehouse engines: embedded chDB (the default) and a ClickHouse server, behind `Warehouse`."""

from __future__ import annotations

from loupe.settings import Settings
from loupe.warehouse.base import Warehouse, check_identifier


def open_warehouse(settings: Settings) -> Warehouse:
    """Open the engine the settings name; use it as a context manager to release it."""
    if settings.engine == "server":
        from loupe.warehouse.server import ServerWarehouse

        return ServerWarehouse(settings)
    from loupe.warehouse.embedded import EmbeddedWarehouse

    return EmbeddedWarehouse.open(settings.data_dir)


__all__ = ["Warehouse", "check_identifier", "open_warehouse"]
