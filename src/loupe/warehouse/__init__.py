"""Warehouse engines: embedded chDB (the default) and a ClickHouse server, behind `Warehouse`."""

from __future__ import annotations

from loupe.settings import Settings
from loupe.warehouse.base import Warehouse, check_identifier


def open_warehouse(settings: Settings) -> Warehouse:
    """Open the engine the settings name; use it as a context manager to release it.

    An embedded warehouse held by another Loupe process that serves the HTTP interface opens as
    the server engine on that interface (`held.py`); held by another process, it is an error."""
    if settings.engine == "server":
        from loupe.warehouse.server import ServerWarehouse

        return ServerWarehouse(settings)
    from loupe.warehouse.embedded import EmbeddedWarehouse
    from loupe.warehouse.lock import WarehouseInUseError

    try:
        return EmbeddedWarehouse.open(settings.data_dir)
    except WarehouseInUseError as in_use:
        # Held by a running Loupe process: through its ClickHouse HTTP interface, if it serves one.
        from loupe.warehouse.held import open_held

        held = open_held(settings, in_use)
        if held is None:
            raise
        return held


__all__ = ["Warehouse", "check_identifier", "open_warehouse"]
