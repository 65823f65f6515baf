"""The built-in web UI of the dashboards: `create_dashboards_app` (Starlette)."""

from loupe.dashboards.web.app import create_dashboards_app

__all__ = ["create_dashboards_app"]
