"""A Metabase test double: a Starlette app that validates every request body against the
OpenAPI description in `../shared/metabase/metabase-api.yaml` and keeps what it is sent.

Validation: the request-body schema of the matching operation, converted from OpenAPI 3.0 to JSON
Schema (`nullable`), with two patches where the README's facts contradict the community file
(the facts win, per the README): the engine enum gains `clickhouse`, and a dashcard's
`dashboard_tab_id` may be null (a dashboard saved with `"tabs": []`). A body that fails answers
400 with the validation error. Auth: `X-Metabase-Session` from `POST /api/session`, or
`X-API-KEY`. The double's own answers are checked against the response schemas too.
`version=(0, 57)` or newer returns cards as MBQL 5 unless `?legacy-mbql=true`.
Every request is kept in `log` as `(method, path, body)`.
"""

from __future__ import annotations

import copy
import secrets
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

SPEC_PATH = Path(__file__).resolve().parents[3] / "shared" / "metabase" / "metabase-api.yaml"


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema: `nullable: true` becomes a `null` alternative."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        if "type" in node and "enum" not in node:
            node["type"] = [node["type"], "null"]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


def load_spec(path: Path = SPEC_PATH) -> dict[str, Any]:
    spec = yaml.safe_load(path.read_text())
    schemas = spec["components"]["schemas"]
    # The README's facts win where the community file disagrees:
    schemas["DatabaseEngine"]["enum"].append("clickhouse")
    schemas["DashboardCard"]["properties"]["dashboard_tab_id"]["nullable"] = True
    spec["components"] = _json_schema(spec["components"])
    return spec


class SchemaValidator:
    """Validates request bodies against the operation's schema in the OpenAPI file."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec

    def schema(self, method: str, template: str) -> dict[str, Any] | None:
        operation = self.spec["paths"][template][method.lower()]
        body = operation.get("requestBody")
        if body is None:
            return None
        schema = body["content"]["application/json"]["schema"]
        return {**schema, "components": self.spec["components"]}

    def validate_response(self, method: str, template: str, body: Any) -> None:
        """Raise `jsonschema.ValidationError` if the double's own answer does not fit."""
        answer = self.spec["paths"][template][method.lower()]["responses"].get(200, {})
        schema = answer.get("content", {}).get("application/json", {}).get("schema")
        if schema is not None:
            full = {**schema, "components": self.spec["components"]}
            jsonschema.Draft202012Validator(full).validate(body)

    def validate(self, method: str, template: str, body: Any) -> None:
        """Raise `jsonschema.ValidationError` if `body` does not fit the operation."""
        schema = self.schema(method, template)
        if schema is None:
            if body is not None:
                raise jsonschema.ValidationError(f"{method} {template} takes no body")
            return
        jsonschema.Draft202012Validator(schema).validate(body)


def to_mbql5(dataset_query: dict[str, Any]) -> dict[str, Any]:
    """A legacy native query in the shape Metabase 0.57+ returns."""
    native = dataset_query.get("native") or {}
    return {
        "lib/type": "mbql/query",
        "database": dataset_query.get("database"),
        "stages": [
            {
                "lib/type": "mbql.stage/native",
                "native": native.get("query"),
                "template-tags": copy.deepcopy(native.get("template-tags") or {}),
            }
        ],
    }


class MetabaseDouble:
    """The fake server's state; `app` is the ASGI application."""

    def __init__(
        self,
        *,
        api_key: str = "mb_test_key",
        user: str = "admin@example.com",
        password: str = "s3cret-pass",
        version: tuple[int, int] = (0, 50),
        honour_legacy_flag: bool = True,
        spec_path: Path = SPEC_PATH,
    ) -> None:
        self.api_key, self.user, self.password = api_key, user, password
        self.version = version
        self.honour_legacy_flag = honour_legacy_flag
        self.validator = SchemaValidator(load_spec(spec_path))
        self.sessions: set[str] = set()
        self.log: list[tuple[str, str, Any]] = []
        self.databases: dict[int, dict] = {}
        self.collections: dict[int, dict] = {}
        self.cards: dict[int, dict] = {}
        self.dashboards: dict[int, dict] = {}
        self.synced: list[int] = []
        self._next = 0
        route = self._route
        self.app = Starlette(
            routes=[
                Route("/api/session", route("/session", self._session), methods=["POST"]),
                Route(
                    "/api/database", route("/database", self._databases), methods=["GET", "POST"]
                ),
                Route(
                    "/api/database/{id:int}",
                    route("/database/{databaseId}", self._database),
                    methods=["GET", "PUT"],
                ),
                Route(
                    "/api/database/{id:int}/sync_schema",
                    route(None, self._sync),
                    methods=["POST"],
                ),
                Route(
                    "/api/collection",
                    route("/collection", self._collections),
                    methods=["GET", "POST"],
                ),
                Route(
                    "/api/collection/{id}/items",
                    route("/collection/{collectionId}/items", self._items),
                    methods=["GET"],
                ),
                Route("/api/card", route("/card", self._card_create), methods=["POST"]),
                Route(
                    "/api/card/{id:int}",
                    route("/card/{cardId}", self._card),
                    methods=["GET", "PUT"],
                ),
                Route(
                    "/api/dashboard", route("/dashboard", self._dashboard_create), methods=["POST"]
                ),
                Route(
                    "/api/dashboard/{id:int}",
                    route("/dashboard/{dashboardId}", self._dashboard),
                    methods=["GET", "PUT"],
                ),
            ]
        )

    # -- plumbing ----------------------------------------------------------------------------

    def writes(self) -> list[tuple[str, str, Any]]:
        """Logged POSTs and PUTs, except logging in."""
        return [e for e in self.log if e[0] in ("POST", "PUT") and e[1] != "/api/session"]

    def _id(self) -> int:
        self._next += 1
        return self._next

    def _route(self, template: str | None, handler):
        async def endpoint(request: Request) -> Response:
            raw = await request.body()
            body = None
            if raw:
                try:
                    body = await request.json()
                except ValueError:
                    return JSONResponse({"message": "body is not JSON"}, status_code=400)
            self.log.append((request.method, request.url.path, body))
            if template != "/session" and not self._authorised(request):
                return Response("Unauthenticated", status_code=401)
            if template is not None:
                try:
                    self.validator.validate(request.method, template, body)
                except jsonschema.ValidationError as exc:
                    where = "/".join(str(p) for p in exc.absolute_path) or "(body)"
                    return JSONResponse(
                        {"message": f"schema: {where}: {exc.message}"}, status_code=400
                    )
            elif body is not None:
                return JSONResponse({"message": "no body expected"}, status_code=400)
            result = handler(request, body)
            if isinstance(result, Response):
                return result
            if template is not None:  # the double answers as the OpenAPI file says, too
                try:
                    self.validator.validate_response(request.method, template, result)
                except jsonschema.ValidationError as exc:
                    message = f"double answered off-schema: {exc.message}"
                    return JSONResponse({"message": message}, status_code=500)
            return JSONResponse(result)

        return endpoint

    def _authorised(self, request: Request) -> bool:
        key = request.headers.get("x-api-key")
        session = request.headers.get("x-metabase-session")
        return (key is not None and key == self.api_key) or session in self.sessions

    @staticmethod
    def _missing(what: str) -> Response:
        return JSONResponse({"message": f"{what} not found"}, status_code=404)

    # -- handlers ----------------------------------------------------------------------------

    def _session(self, request: Request, body: dict) -> Any:
        if body["username"] != self.user or body["password"] != self.password:
            return JSONResponse({"errors": {"password": "did not match"}}, status_code=401)
        token = secrets.token_hex(16)
        self.sessions.add(token)
        return {"id": token}

    def _databases(self, request: Request, body: Any) -> Any:
        if request.method == "GET":
            data = [self._database_view(d) for d in self.databases.values()]
            return {"data": data, "total": len(data)}
        database = {"id": self._id(), **copy.deepcopy(body)}
        self.databases[database["id"]] = database
        return self._database_view(database)

    @staticmethod
    def _database_view(database: dict) -> dict:
        view = copy.deepcopy(database)
        if view["details"].get("password"):
            view["details"]["password"] = "**MetabasePass**"
        return view

    def _database(self, request: Request, body: Any) -> Any:
        database = self.databases.get(request.path_params["id"])
        if database is None:
            return self._missing("database")
        if request.method == "PUT":
            database.update(copy.deepcopy(body))
        return self._database_view(database)

    def _sync(self, request: Request, body: Any) -> Any:
        if request.path_params["id"] not in self.databases:
            return self._missing("database")
        self.synced.append(request.path_params["id"])
        return {"status": "ok"}

    def _collections(self, request: Request, body: Any) -> Any:
        if request.method == "GET":
            root = {"id": "root", "name": "Our analytics"}
            return [root, *copy.deepcopy(list(self.collections.values()))]
        parent = body.get("parent_id")
        if parent is not None and parent not in self.collections:
            return self._missing("parent collection")
        collection = {
            "id": self._id(),
            "name": body["name"],
            "description": body.get("description"),
            "parent_id": parent,
            "location": "/" if parent is None else f"/{parent}/",
            "archived": False,
            "entity_id": secrets.token_urlsafe(15)[:21],
        }
        self.collections[collection["id"]] = collection
        return copy.deepcopy(collection)

    def _items(self, request: Request, body: Any) -> Any:
        raw = request.path_params["id"]
        collection = None if raw == "root" else int(raw)
        if collection is not None and collection not in self.collections:
            return self._missing("collection")
        models = request.query_params.getlist("models") or ["card", "dashboard"]
        archived = request.query_params.get("archived") == "true"
        data = []
        for model, objects in (("card", self.cards), ("dashboard", self.dashboards)):
            if model not in models:
                continue
            for obj in objects.values():
                if obj.get("collection_id") == collection and bool(obj.get("archived")) == archived:
                    data.append(
                        {
                            "id": obj["id"],
                            "model": model,
                            "name": obj["name"],
                            "description": obj.get("description"),
                            "entity_id": obj["entity_id"],
                        }
                    )
        return {"data": data, "total": len(data), "models": models, "limit": None, "offset": None}

    def _card_create(self, request: Request, body: dict) -> Any:
        for key in ("name", "dataset_query", "display", "visualization_settings"):
            if key not in body:
                return JSONResponse({"errors": {key: "required"}}, status_code=400)
        problem = self._check_card(body)
        if problem:
            return JSONResponse({"message": problem}, status_code=400)
        if body.get("entity_id") in {c["entity_id"] for c in self.cards.values()}:
            return JSONResponse({"message": "duplicate entity_id"}, status_code=400)
        card = {
            "id": self._id(),
            "archived": False,
            "description": None,
            "collection_id": None,
            "parameters": [],
            "entity_id": secrets.token_urlsafe(15)[:21],
            **copy.deepcopy(body),
        }
        self.cards[card["id"]] = card
        return self._card_view(card, legacy=False)

    def _check_card(self, body: dict) -> str | None:
        query = body.get("dataset_query")
        if query is None:
            return None
        if query.get("database") not in self.databases:
            return "dataset_query.database: no such database"
        if body.get("collection_id") not in (None, *self.collections):
            return "collection_id: no such collection"
        return None

    def _card_view(self, card: dict, *, legacy: bool) -> dict:
        view = copy.deepcopy(card)
        if self.version >= (0, 57) and not (legacy and self.honour_legacy_flag):
            view["dataset_query"] = to_mbql5(card["dataset_query"])
        return view

    def _card(self, request: Request, body: Any) -> Any:
        card = self.cards.get(request.path_params["id"])
        if card is None:
            return self._missing("card")
        if request.method == "PUT":
            problem = self._check_card(body)
            if problem:
                return JSONResponse({"message": problem}, status_code=400)
            card.update(copy.deepcopy(body))
            return self._card_view(card, legacy=False)
        legacy = request.query_params.get("legacy-mbql") == "true"
        return self._card_view(card, legacy=legacy)

    def _dashboard_create(self, request: Request, body: dict) -> Any:
        if body.get("collection_id") not in (None, *self.collections):
            return JSONResponse({"message": "no such collection"}, status_code=400)
        dashboard = {
            "id": self._id(),
            "name": body["name"],
            "description": body.get("description"),
            "collection_position": None,
            "collection_id": body.get("collection_id"),
            "cache_ttl": None,
            "archived": False,
            "parameters": copy.deepcopy(body.get("parameters") or []),
            "dashcards": [],
            "tabs": [],
            "entity_id": secrets.token_urlsafe(15)[:21],
        }
        self.dashboards[dashboard["id"]] = dashboard
        return self._dashboard_view(dashboard)

    @staticmethod
    def _dashboard_view(dashboard: dict) -> dict:
        return {k: copy.deepcopy(v) for k, v in dashboard.items() if k != "entity_id"}

    def _dashboard(self, request: Request, body: Any) -> Any:
        dashboard = self.dashboards.get(request.path_params["id"])
        if dashboard is None:
            return self._missing("dashboard")
        if request.method == "GET":
            return self._dashboard_view(dashboard)
        if "dashcards" in body:
            mine = {dashcard["id"] for dashcard in dashboard["dashcards"]}
            seen: set[int] = set()
            dashcards = []
            for dashcard in body["dashcards"]:
                if dashcard["id"] in seen:
                    return JSONResponse({"message": "duplicate dashcard id"}, status_code=400)
                seen.add(dashcard["id"])
                if dashcard["id"] >= 0 and dashcard["id"] not in mine:
                    return JSONResponse({"message": "unknown dashcard id"}, status_code=400)
                if dashcard["card_id"] is not None and dashcard["card_id"] not in self.cards:
                    return JSONResponse({"message": "unknown card_id"}, status_code=400)
                stored = copy.deepcopy(dashcard)
                if stored["id"] < 0:
                    stored["id"] = self._id()
                stored["dashboard_id"] = dashboard["id"]
                dashcards.append(stored)
            dashboard["dashcards"] = dashcards
        for key in ("name", "description", "collection_id", "parameters", "tabs", "archived"):
            if key in body:
                dashboard[key] = copy.deepcopy(body[key])
        return self._dashboard_view(dashboard)
