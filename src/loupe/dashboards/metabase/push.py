"""`loupe metabase push`: create or update the database, collection, cards and dashboards.

Idempotent: existing objects are found again (database by name and engine, collection by name
under the root, cards by `entity_id` or the `[loupe:slug/card]` marker in their description,
dashboards by their marker or name within the collection) and written only when what Metabase
holds differs from the definition once both are normalised. Card responses come in the legacy
shape or, since Metabase 0.57, as MBQL 5 (`stages[0].native`); both normalise alike. A second run
with unchanged definitions sends no POST and no PUT.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from loupe.dashboards.definitions import Dashboard
from loupe.dashboards.metabase import payloads
from loupe.dashboards.metabase.client import MetabaseClient, MetabaseError
from loupe.dashboards.metabase.payloads import DatabaseConnection

log = logging.getLogger(__name__)

_DB_COMPARED = ("host", "port", "user", "dbname", "ssl")
_TAG_KEYS = ("id", "name", "display-name", "type", "default")
_CARD_PARAMETER_KEYS = ("id", "type", "slug", "name", "target")
_DASHBOARD_PARAMETER_KEYS = (
    "id",
    "name",
    "slug",
    "type",
    "default",
    "values_source_type",
    "values_source_config",
)
_MAPPING_KEYS = ("parameter_id", "card_id", "target")


@dataclass
class PushReport:
    """What a push did, object by object: `created`, `updated`, `unchanged` ("card Visits")."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    database_id: int | None = None
    collection_id: int | None = None
    dashboard_ids: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged"
        )


# -- normalisation ---------------------------------------------------------------------------


def _pick(value: dict[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    return {key: value[key] for key in keys if value.get(key) is not None}


def native_query(dataset_query: dict[str, Any]) -> tuple[Any, str, dict[str, Any]]:
    """`(database, sql, template tags)` of a native query, legacy or MBQL 5 (0.57+)."""
    if "stages" in dataset_query:  # MBQL 5: {"lib/type": "mbql/query", "stages": [...]}
        stage = (dataset_query.get("stages") or [{}])[0]
        sql = stage.get("native")
        if isinstance(sql, dict):
            sql = sql.get("query")
        tags = stage.get("template-tags") or {}
    else:
        native = dataset_query.get("native") or {}
        sql, tags = native.get("query"), native.get("template-tags") or {}
    return dataset_query.get("database"), sql or "", tags


def normalise_card(card: dict[str, Any]) -> dict[str, Any]:
    """The parts of a card Loupe controls, comparable between a payload and a response."""
    database, sql, tags = native_query(card.get("dataset_query") or {})
    return {
        "name": card.get("name"),
        "description": card.get("description") or "",
        "collection_id": card.get("collection_id"),
        "display": card.get("display"),
        "database": database,
        "sql": sql.strip(),
        "template-tags": {name: _pick(tag, _TAG_KEYS) for name, tag in tags.items()},
        "parameters": [_pick(p, _CARD_PARAMETER_KEYS) for p in card.get("parameters") or []],
        "visualization_settings": card.get("visualization_settings") or {},
    }


def normalise_dashboard(dashboard: dict[str, Any]) -> dict[str, Any]:
    """The parts of a dashboard Loupe controls; dashcards keyed by card id (order-free)."""
    cards = {}
    for dashcard in dashboard.get("dashcards") or dashboard.get("ordered_cards") or []:
        cards[dashcard.get("card_id")] = {
            "layout": [dashcard.get(k) for k in ("row", "col", "size_x", "size_y")],
            "parameter_mappings": sorted(
                (_pick(m, _MAPPING_KEYS) for m in dashcard.get("parameter_mappings") or []),
                key=lambda m: str(m.get("parameter_id")),
            ),
        }
    return {
        "name": dashboard.get("name"),
        "description": dashboard.get("description") or "",
        "collection_id": dashboard.get("collection_id"),
        "parameters": [
            _pick(p, _DASHBOARD_PARAMETER_KEYS) for p in dashboard.get("parameters") or []
        ],
        "dashcards": cards,
    }


# -- push --------------------------------------------------------------------------------------


def push(
    client: MetabaseClient,
    dashboards: Iterable[Dashboard],
    connection: DatabaseConnection,
    collection_name: str,
    currency: str = "RUB",
) -> PushReport:
    """Create or update everything, money shown in `currency`; see the module docstring."""
    dashboards = list(dashboards)
    report = PushReport()
    report.database_id = _database(client, connection, report)
    report.collection_id = _collection(client, collection_name, report)
    items = _Items(client, report.collection_id)
    for dashboard in dashboards:
        card_ids = {
            card.id: _card(client, dashboard, card, items, report, currency)
            for card in dashboard.cards
        }
        report.dashboard_ids[dashboard.slug] = _dashboard(
            client, dashboard, card_ids, items, report
        )
    return report


class _Items:
    """The collection's cards and dashboards; the archived ones are read only when needed."""

    def __init__(self, client: MetabaseClient, collection_id: int) -> None:
        self._client, self._path = client, f"/collection/{collection_id}/items"
        self.live = self._list(archived=False)
        self._archived: list[dict[str, Any]] | None = None

    def _list(self, archived: bool) -> list[dict[str, Any]]:
        params = [("models", "card"), ("models", "dashboard")]
        if archived:
            params.append(("archived", "true"))
        return self._client.get_list(self._path, params=params)

    @property
    def archived(self) -> list[dict[str, Any]]:
        if self._archived is None:
            self._archived = self._list(archived=True)
        return self._archived


def _database(client: MetabaseClient, connection: DatabaseConnection, report: PushReport) -> int:
    body = payloads.database_payload(connection)
    label = f"database {connection.name}"
    for database in client.get_list("/database"):
        if database.get("name") == connection.name and database.get("engine") == "clickhouse":
            details = database.get("details") or {}
            wanted = body["details"]
            # JDBC options set by hand or by an older push (`additional-options`) are cleared:
            # the driver's defaults are what the interface serves.
            if all(details.get(key) == wanted[key] for key in _DB_COMPARED) and not details.get(
                "additional-options"
            ):
                report.unchanged.append(label)
            else:
                client.put(f"/database/{database['id']}", body)
                client.post(f"/database/{database['id']}/sync_schema")
                report.updated.append(label)
            return int(database["id"])
    created = client.post("/database", body)
    client.post(f"/database/{created['id']}/sync_schema")
    report.created.append(label)
    return int(created["id"])


def _collection(client: MetabaseClient, name: str, report: PushReport) -> int:
    label = f"collection {name}"
    for collection in client.get_list("/collection"):
        at_root = collection.get("parent_id") is None and collection.get("location", "/") == "/"
        if (
            collection.get("name") == name
            and at_root
            and not collection.get("archived")
            and isinstance(collection.get("id"), int)
            and not collection.get("personal_owner_id")
        ):
            report.unchanged.append(label)
            return collection["id"]
    created = client.post("/collection", payloads.collection_payload(name))
    report.created.append(label)
    return int(created["id"])


def _find(items: list[dict[str, Any]], model: str, entity: str | None, tag: str, name: str):
    candidates = [item for item in items if item.get("model") == model]
    for test in (
        lambda item: entity is not None and item.get("entity_id") == entity,
        lambda item: tag in (item.get("description") or ""),
        lambda item: entity is None and item.get("name") == name,
    ):
        for item in candidates:
            if test(item):
                return item
    return None


def _card(
    client, dashboard: Dashboard, card, items: _Items, report: PushReport, currency: str
) -> int:
    body = payloads.card_payload(
        dashboard, card, report.database_id, report.collection_id, currency
    )
    label = f"card {dashboard.slug}/{card.id}"
    keys = (body["entity_id"], payloads.marker(dashboard.slug, card.id), body["name"])
    found = _find(items.live, "card", *keys)
    update = {key: value for key, value in body.items() if key != "entity_id"}
    if found is None:
        archived = _find(items.archived, "card", *keys)
        if archived is None:
            created = client.post("/card", body)
            report.created.append(label)
            return int(created["id"])
        # Its entity_id is taken: restore it rather than create it again.
        client.put(f"/card/{archived['id']}", {**update, "archived": False})
        report.updated.append(f"{label} (restored from the archive)")
        return int(archived["id"])
    card_id = int(found["id"])
    current = client.get(f"/card/{card_id}", params={"legacy-mbql": "true"})
    if normalise_card(current) == normalise_card(body) and not current.get("archived"):
        report.unchanged.append(label)
    else:
        client.put(f"/card/{card_id}", update)
        report.updated.append(label)
    return card_id


def _dashboard(client, dashboard: Dashboard, card_ids, items: _Items, report: PushReport) -> int:
    label = f"dashboard {dashboard.slug}"
    found = _find(items.live, "dashboard", None, payloads.marker(dashboard.slug), dashboard.title)
    if found is None:
        created = client.post(
            "/dashboard", payloads.dashboard_create_payload(dashboard, report.collection_id)
        )
        dashboard_id = int(created["id"])
        current: dict[str, Any] = created
        report.created.append(label)
    else:
        dashboard_id = int(found["id"])
        current = client.get(f"/dashboard/{dashboard_id}")
    existing = {
        dashcard["card_id"]: dashcard["id"]
        for dashcard in current.get("dashcards") or current.get("ordered_cards") or []
        if dashcard.get("card_id") is not None
    }
    body = payloads.dashboard_update_payload(dashboard, report.collection_id, card_ids, existing)
    if found is not None and normalise_dashboard(current) == normalise_dashboard(body):
        report.unchanged.append(label)
        return dashboard_id
    updated = client.put(f"/dashboard/{dashboard_id}", body)
    if not isinstance(updated, dict):
        raise MetabaseError(f"unexpected answer to PUT /api/dashboard/{dashboard_id}")
    if found is not None:
        report.updated.append(label)
    return dashboard_id
