"""ClickHouse's HTTP interface, served by the process that owns the embedded warehouse.

chDB opens no listener, and one process at a time may open the warehouse directory; this package
lets unmodified ClickHouse clients and BI tools (and Loupe's own commands) reach the warehouse
held by `loupe serve`, `run`, `dashboards` or `collect`. See docs/http-interface.md.
"""

from __future__ import annotations

from loupe.interface.server import RunningInterface, serve_interface
from loupe.warehouse.held import ADMIN_FILE, ADMIN_USER, read_admin_file

__all__ = ["ADMIN_FILE", "ADMIN_USER", "RunningInterface", "read_admin_file", "serve_interface"]
