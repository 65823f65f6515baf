"""`loupe init`: apply the migrations, link the production database as the `mysql` schema and
create the live views over it (the link and the views: schema/link.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from loupe.errors import LoupeError
from loupe.schema.ddl import DDL
from loupe.schema.link import LIVE_VIEW_SOURCES, create_live_views, link_production
from loupe.schema.migrate import migrate
from loupe.settings import Settings
from loupe.warehouse import Warehouse


@dataclass
class InitReport:
    """What `initialise` did."""

    applied: list[str] = field(default_factory=list)
    link: str = "not configured"
    linked_tables: list[str] = field(default_factory=list)
    live_views: list[str] = field(default_factory=list)


def initialise(settings: Settings, warehouse: Warehouse) -> InitReport:
    """Apply pending migrations, then link the production database when one is configured.

    The embedded default's SQLite file may not exist yet (the demo writes it): a failing default
    link is reported as skipped, a failing configured one is an error."""
    report = InitReport()
    report.applied = [m.name for m in migrate(warehouse, DDL(settings.cluster))]
    production_url = settings.production_url.get_secret_value()
    if production_url:
        try:
            report.link, report.linked_tables = link_production(warehouse, production_url)
        except LoupeError as exc:
            if production_url != Settings.model_fields["production_url"].default.get_secret_value():
                raise
            report.link = f"skipped: {exc}"
    if set(report.linked_tables) >= LIVE_VIEW_SOURCES:
        report.live_views = create_live_views(warehouse)
    return report
