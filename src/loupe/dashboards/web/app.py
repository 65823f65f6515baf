"""The built-in dashboards UI: a Starlette app that renders the dashboard definitions.

`GET /` lists the dashboards; `GET /d/{slug}` is one dashboard: its filter form (a GET form, so
the filters live in the URL) and a grid of cards; the page's script fetches each card from
`GET /api/d/{slug}/cards/{card_id}` (JSON rows; a KPI or a daily trend with its previous period:
dashboards/comparison.py) and draws it with ECharts, which is served from `/static/vendor` like
every other asset (no CDN, no network at run time). `GET /api/d/{slug}/cards/{card_id}/csv` is
the card's rows as a CSV download, with the same filters. Money columns show `currency`.

Read-only: only defined cards run, only the dashboard's own parameters are read from the query
string, and their values are validated and bound as query parameters by `run_card`.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from loupe.dashboards.comparison import Previous, compares, run_compared
from loupe.dashboards.definitions import (
    RANGE,
    Card,
    CardResult,
    Dashboard,
    load_dashboards,
    resolve_values,
    run_card,
)
from loupe.errors import LoupeError
from loupe.warehouse import Warehouse

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_ROWS = 1000  # rows sent to the browser per card (a table shows them all, scrolling)
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

_templates = Environment(
    loader=PackageLoader("loupe.dashboards.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def one_line(message: str, limit: int = 300) -> str:
    """The first line of an error message, shortened for a card."""
    lines = [line.strip() for line in str(message).strip().splitlines() if line.strip()]
    text = lines[0] if lines else "the query failed"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return value


def _json(content: Any, status_code: int = 200) -> Response:
    body = orjson.dumps(content, default=str)
    return Response(body, status_code, media_type="application/json", headers=SECURITY_HEADERS)


def _html(template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = _templates.get_template(template).render(**context)
    return HTMLResponse(html, status_code, headers=SECURITY_HEADERS)


@dataclass(frozen=True)
class _Site:
    """What the endpoints serve, kept on `app.state.site`: the warehouse and the dashboards."""

    warehouse: Warehouse
    boards: tuple[Dashboard, ...]
    currency: str

    def board(self, slug: str) -> Dashboard | None:
        """The dashboard with this slug, if any."""
        return next((board for board in self.boards if board.slug == slug), None)


def create_dashboards_app(
    warehouse: Warehouse, dashboards: Sequence[Dashboard] | None = None, currency: str = "RUB"
) -> Starlette:
    """The dashboards web app over one open warehouse (`dashboards` defaults to the packaged
    ones; tests pass their own); money in `currency` (ISO 4217)."""
    app = Starlette(
        routes=[
            Route("/", index, methods=["GET"], name="index"),
            Route("/d/{slug}", dashboard_page, methods=["GET"], name="dashboard"),
            Route("/api/d/{slug}/cards/{card_id}", card_data, methods=["GET"], name="card"),
            Route("/api/d/{slug}/cards/{card_id}/csv", card_csv, methods=["GET"], name="csv"),
            Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
        ],
        # echarts.min.js is 1.1 MB; about a third of that over the wire.
        middleware=[Middleware(GZipMiddleware, minimum_size=1024)],
    )
    boards = load_dashboards() if dashboards is None else dashboards
    app.state.site = _Site(warehouse, tuple(boards), currency)
    return app


def _site(request: Request) -> _Site:
    return request.app.state.site


def _base(request: Request) -> str:
    """The path the app is mounted at (empty at the root), for the links of its pages."""
    return request.scope.get("root_path", "").rstrip("/")


def _raw_values(board: Dashboard, request: Request) -> dict[str, str]:
    """The dashboard's own parameters as given in the query string (others are ignored)."""
    return {
        p.name: request.query_params.get(p.name, "")[:100]
        for p in board.parameters
        if p.name in request.query_params
    }


async def index(request: Request) -> Response:
    """The list of the dashboards."""
    boards = _site(request).boards
    return _html("index.html", base=_base(request), boards=boards, title="Dashboards")


async def dashboard_page(request: Request) -> Response:
    """One dashboard: its filter form and the grid its script fills card by card."""
    site = _site(request)
    board = site.board(request.path_params["slug"])
    context: dict[str, Any] = {"base": _base(request), "boards": site.boards}
    if board is None:
        what = f"No dashboard {request.path_params['slug']!r}."
        return _html("message.html", 404, title="Not found", message=what, **context)
    raw = _raw_values(board, request)
    context.update(board=board, title=board.title, nav=raw)
    try:
        values = await run_in_threadpool(resolve_values, board, site.warehouse, raw)
    except LoupeError as exc:
        return _html("dashboard.html", 400, values=raw, error=one_line(str(exc)), **context)
    query = urlencode(values)
    context.update(currency=site.currency, query=query)
    return _html("dashboard.html", values=values, error=None, **context)


async def _card_request(request: Request) -> tuple[Dashboard, Card, dict[str, str]] | Response:
    """The dashboard, card and resolved filter values a card request names, or its error."""
    site = _site(request)
    board = site.board(request.path_params["slug"])
    if board is None:
        return _json({"error": "no such dashboard"}, 404)
    try:
        card = board.card(request.path_params["card_id"])
    except KeyError:
        return _json({"error": "no such card"}, 404)
    raw = _raw_values(board, request)
    try:
        values = await run_in_threadpool(resolve_values, board, site.warehouse, raw)
    except LoupeError as exc:
        return _json({"error": one_line(str(exc))}, 400)
    return board, card, values


async def card_data(request: Request) -> Response:
    """One card's rows as JSON, with the resolved filter values it ran with, and for a KPI or
    a daily trend its previous period."""
    found = await _card_request(request)
    if isinstance(found, Response):
        return found
    board, card, values = found
    warehouse = _site(request).warehouse
    if compares(card):
        result, previous = await run_in_threadpool(run_compared, warehouse, board, card, values)
    else:
        result = await run_in_threadpool(run_card, warehouse, board, card, values)
        previous = None
    payload = _card_payload(card, values, result)
    if previous is not None and result.error is None:
        payload["previous"] = _previous_payload(previous)
    return _json(payload)


async def card_csv(request: Request) -> Response:
    """One card's rows (all of them) as a CSV download, run with the same filters."""
    found = await _card_request(request)
    if isinstance(found, Response):
        return found
    board, card, values = found
    result = await run_in_threadpool(run_card, _site(request).warehouse, board, card, values)
    if result.error is not None:
        return _json({"error": one_line(result.error)}, 500)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.columns)
    writer.writerows([_json_value(v) for v in row] for row in result.rows)
    dates = [values[name] for name in RANGE if values.get(name)]
    name = "_".join([board.slug, card.id, *dates])
    headers = {**SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{name}.csv"'}
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


def _card_payload(card: Card, values: dict[str, str], result: CardResult) -> dict[str, Any]:
    """The JSON body of a card: its display, then its rows (at most `MAX_ROWS`) or its error."""
    payload: dict[str, Any] = {
        "card": card.id,
        "display": card.display,
        "settings": card.settings,
        "values": values,
    }
    if result.error is not None:
        # 200: the request was fine, the card shows the query's error (a 5xx would only add
        # a browser console error on top of the message on the card).
        return {**payload, "columns": [], "rows": [], "error": one_line(result.error)}
    return {
        **payload,
        "columns": result.columns,
        "rows": _json_rows(result),
        "total_rows": len(result.rows),
        "error": None,
    }


def _json_rows(result: CardResult) -> list[list[Any]]:
    return [[_json_value(v) for v in row] for row in result.rows[:MAX_ROWS]]


def _previous_payload(previous: Previous) -> dict[str, Any]:
    """The previous period: its dates, and its rows (null when the data starts later)."""
    return {
        "start": previous.start.isoformat(),
        "end": previous.end.isoformat(),
        "shift_days": previous.shift_days,
        "first_day": _json_value(previous.first_day),
        "rows": None if previous.result is None else _json_rows(previous.result),
    }


def nav_query(board: Dashboard, values: Mapping[str, str]) -> str:
    """The query string carrying the values a dashboard shares with the current one."""
    names = {p.name for p in board.parameters}
    kept = {name: value for name, value in values.items() if name in names and value}
    return "?" + urlencode(kept) if kept else ""


_templates.globals["nav_query"] = nav_query
