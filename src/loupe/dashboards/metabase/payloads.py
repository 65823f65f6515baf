"""Definitions -> Metabase API bodies (database, collection, cards, dashboards).

Every id Loupe chooses is derived from the definition, so two runs (or an export and a push)
produce the same bodies: a card's `entity_id` and its template-tag ids come from
`<dashboard slug>/<card id>`, dashboard parameter ids from `<dashboard slug>/<parameter name>`.
Object references (database, collection, card ids) are passed in: numbers for a push,
placeholder strings such as `"$database"` for an export.

The card SQL is already in Metabase's syntax (`{{name}}`, `[[ ... ]]`) and is sent unchanged as a
native query. Each parameter the SQL uses becomes a template tag (`date` or `text`) and a card
parameter with the same id (metabase#77693: without them, dashboard filters are ignored); the
dashboard's filters map to those tags through `parameter_mappings`.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from loupe.dashboards.definitions import Card, Dashboard, Parameter

Ref = int | str

_NAMESPACE = uuid.UUID("5b0f1c52-6f0e-4a43-9a57-2a4a7d6a0e51")
_NANOID_ALPHABET = "_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

TAG_TYPES = {"date": "date", "category": "text"}
CARD_PARAMETER_TYPES = {"date": "date/single", "category": "category"}
DASHBOARD_PARAMETER_TYPES = {"date": "date/single", "category": "string/="}
SECTIONS = {"date": "date", "category": "string"}


@dataclass(frozen=True)
class DatabaseConnection:
    """How Metabase reaches the ClickHouse server (a read-only user is recommended)."""

    name: str
    host: str
    port: int
    user: str
    password: str
    dbname: str = "dwh"
    ssl: bool = False


def marker(*parts: str) -> str:
    """The tag in descriptions that lets a later push find what it created: `[loupe:a/b]`."""
    return f"[loupe:{'/'.join(parts)}]"


def entity_id(*parts: str) -> str:
    """A stable 21-character NanoID-style `entity_id` for a definition."""
    digest = hashlib.sha256(":".join(("loupe", *parts)).encode()).digest()
    return "".join(_NANOID_ALPHABET[byte % 64] for byte in digest[:21])


def tag_id(dashboard: Dashboard, card: Card, name: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{dashboard.slug}/{card.id}/{name}"))


def parameter_id(dashboard: Dashboard, name: str) -> str:
    return hashlib.sha256(f"loupe:{dashboard.slug}/{name}".encode()).hexdigest()[:8]


def _fixed_default(parameter: Parameter) -> str | None:
    """A default Metabase can hold: a fixed date or a category value. Relative dates
    (`latest`, `latest-6d`: relative to the newest data) have no Metabase equivalent."""
    if parameter.type == "date":
        return parameter.default if _ISO_DATE.match(parameter.default) else None
    return parameter.default or None


def database_payload(connection: DatabaseConnection, *, password: str | None = None) -> dict:
    """`POST /api/database` body (engine `clickhouse`); `password` overrides for exports."""
    return {
        "name": connection.name,
        "engine": "clickhouse",
        "details": {
            "host": connection.host,
            "port": connection.port,
            "user": connection.user,
            "password": connection.password if password is None else password,
            "dbname": connection.dbname,
            "ssl": connection.ssl,
            "scan-all-databases": False,
        },
    }


def collection_payload(name: str) -> dict:
    return {"name": name, "description": "Loupe dashboards (created by `loupe metabase push`)."}


def visualization_settings(card: Card, currency: str = "RUB") -> dict[str, Any]:
    """The definition's `settings` in Metabase's visualization-settings keys; its money columns
    (`settings.money`) formatted as `currency` (ISO 4217)."""
    settings = card.settings
    dimension = settings.get("dimension")
    metrics = list(settings.get("metrics") or [])
    result: dict[str, Any] = {}
    if card.display in ("funnel", "pie"):
        if dimension:
            result[f"{card.display}.dimension"] = dimension
        if metrics:
            result[f"{card.display}.metric"] = metrics[0]
    elif card.display in ("bar", "line", "area", "row"):
        dimensions = [d for d in (dimension, settings.get("series")) if d]
        if dimensions:
            result["graph.dimensions"] = dimensions
        if metrics:
            result["graph.metrics"] = metrics
        if settings.get("stacked"):
            result["stackable.stack_type"] = "stacked"
    elif card.display == "scalar" and metrics:
        result["scalar.field"] = metrics[0]
    money = card.money_columns()
    if money:
        # Metabase keys a column's settings by `["name", <column>]`, as a JSON string.
        result["column_settings"] = {
            json.dumps(["name", column]): {"number_style": "currency", "currency": currency}
            for column in money
        }
    return result


def template_tags(dashboard: Dashboard, card: Card) -> dict[str, dict[str, Any]]:
    tags: dict[str, dict[str, Any]] = {}
    for name in card.parameter_names():
        parameter = dashboard.parameter(name)
        tag: dict[str, Any] = {
            "id": tag_id(dashboard, card, name),
            "name": name,
            "display-name": parameter.label,
            "type": TAG_TYPES[parameter.type],
        }
        default = _fixed_default(parameter)
        if default is not None:
            tag["default"] = default
        tags[name] = tag
    return tags


def card_parameters(dashboard: Dashboard, card: Card) -> list[dict[str, Any]]:
    """Card parameters mirroring the template tags, with the same ids (metabase#77693)."""
    return [
        {
            "id": tag["id"],
            "type": CARD_PARAMETER_TYPES[dashboard.parameter(name).type],
            "slug": name,
            "name": tag["display-name"],
            "target": ["variable", ["template-tag", name]],
        }
        for name, tag in template_tags(dashboard, card).items()
    ]


def card_description(dashboard: Dashboard, card: Card) -> str:
    return f"{card.description} {marker(dashboard.slug, card.id)}".strip()


def card_payload(
    dashboard: Dashboard, card: Card, database_id: Ref, collection_id: Ref, currency: str = "RUB"
) -> dict:
    """`POST /api/card` body: a native query in the legacy shape (accepted by 0.50 and newer);
    money columns shown in `currency`."""
    return {
        "name": card.title,
        "description": card_description(dashboard, card),
        "collection_id": collection_id,
        "display": card.display,
        "dataset_query": {
            "type": "native",
            "database": database_id,
            "native": {"query": card.sql, "template-tags": template_tags(dashboard, card)},
        },
        "parameters": card_parameters(dashboard, card),
        "visualization_settings": visualization_settings(card, currency),
        "entity_id": entity_id(dashboard.slug, card.id),
    }


def dashboard_description(dashboard: Dashboard) -> str:
    return f"{dashboard.description} {marker(dashboard.slug)}".strip()


def dashboard_create_payload(dashboard: Dashboard, collection_id: Ref) -> dict:
    """`POST /api/dashboard` body; the cards and filters come with the following PUT."""
    return {
        "name": dashboard.title,
        "description": dashboard_description(dashboard),
        "collection_id": collection_id,
        "parameters": [],
    }


def dashboard_parameters(dashboard: Dashboard) -> list[dict[str, Any]]:
    parameters = []
    for parameter in dashboard.parameters:
        body: dict[str, Any] = {
            "id": parameter_id(dashboard, parameter.name),
            "name": parameter.label,
            "slug": parameter.name,
            "type": DASHBOARD_PARAMETER_TYPES[parameter.type],
            "sectionId": SECTIONS[parameter.type],
        }
        choices = [choice for choice in parameter.choices if choice]
        if parameter.type == "category" and choices:
            body["values_query_type"] = "list"
            body["values_source_type"] = "static-list"
            body["values_source_config"] = {"values": choices}
        default = _fixed_default(parameter)
        if default is not None:
            body["default"] = [default] if parameter.type == "category" else default
        parameters.append(body)
    return parameters


def dashcards(
    dashboard: Dashboard, card_ids: dict[str, Ref], existing: dict[Ref, int] | None = None
) -> list[dict[str, Any]]:
    """The dashboard's cards on its 24-column grid, each filter wired to the card's template
    tag. `card_ids` maps definition card id -> Metabase card id; `existing` maps Metabase card
    id -> dashcard id to keep (new dashcards get negative ids)."""
    existing = existing or {}
    result = []
    for number, card in enumerate(dashboard.cards, start=1):
        metabase_id = card_ids[card.id]
        mappings = [
            {
                "parameter_id": parameter_id(dashboard, name),
                "card_id": metabase_id,
                "target": ["variable", ["template-tag", name]],
            }
            for name in card.parameter_names()
        ]
        result.append(
            {
                "id": existing.get(metabase_id, -number),
                "card_id": metabase_id,
                "row": card.row,
                "col": card.col,
                "size_x": card.width,
                "size_y": card.height,
                "series": [],
                "visualization_settings": {},
                "parameter_mappings": mappings,
                "dashboard_tab_id": None,
            }
        )
    return result


def dashboard_update_payload(
    dashboard: Dashboard,
    collection_id: Ref,
    card_ids: dict[str, Ref],
    existing: dict[Ref, int] | None = None,
) -> dict:
    """`PUT /api/dashboard/:id` body: replaces the filters and every dashcard at once."""
    return {
        "name": dashboard.title,
        "description": dashboard_description(dashboard),
        "collection_id": collection_id,
        "parameters": dashboard_parameters(dashboard),
        "dashcards": dashcards(dashboard, card_ids, existing),
        "tabs": [],
    }
