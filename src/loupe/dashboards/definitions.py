"""Dashboards as code: the definitions in `definitions/*.yaml`, and running their cards.

Each card has one SQL query written in the canonical parameter syntax, the one Metabase uses:
`{{name}}` for a parameter, and `[[ ... ]]` around a fragment that applies only when its
parameters have a value. For Metabase it is sent as is; for the built-in UI `render_sql` turns it
into ClickHouse SQL with `{name:Type}` query parameters (values are never pasted into SQL).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any, Literal

import pyarrow as pa
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from loupe import sqlfiles
from loupe.errors import LoupeError, QueryError
from loupe.warehouse import Warehouse

GRID_COLUMNS = 24
CLICKHOUSE_TYPES = {"date": "Date", "category": "String"}
LATEST_DATA_SQL = sqlfiles.load("loupe.dashboards", "latest_data")
RANGE = ("start", "end")  # the date parameters of a dashboard's range, when it has them

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_OPTIONAL = re.compile(r"\[\[(.*?)\]\]", re.S)
_RELATIVE = re.compile(r"^latest(?:-(\d+)d)?$")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Parameter(_Frozen):
    """A dashboard filter: a date, or a category with fixed choices (`""` means all)."""

    name: str
    type: Literal["date", "category"]
    label: str
    default: str = ""
    choices: tuple[str, ...] = ()


class Card(_Frozen):
    """One chart or table: its query, how to draw it, and where it sits on a 24-column grid."""

    id: str
    title: str
    description: str = ""
    display: Literal["funnel", "bar", "line", "area", "row", "pie", "table", "scalar"]
    sql: str
    settings: dict[str, Any] = Field(default_factory=dict)
    row: int
    col: int = Field(ge=0, lt=GRID_COLUMNS)
    width: int = Field(ge=1, le=GRID_COLUMNS)
    height: int = Field(ge=1)

    @field_validator("sql")
    @classmethod
    def _balanced(cls, sql: str) -> str:
        if sql.count("[[") != sql.count("]]"):
            raise ValueError("unbalanced [[ ]] optional block")
        return sql

    def money_columns(self) -> list[str]:
        """The columns holding money (`settings.money`), shown with the currency."""
        return list(self.settings.get("money") or [])

    def parameter_names(self) -> list[str]:
        """The parameters the query uses, in order of first use."""
        return list(dict.fromkeys(_PLACEHOLDER.findall(self.sql)))


class Dashboard(_Frozen):
    """A titled grid of cards sharing one set of filters."""

    slug: str
    title: str
    description: str = ""
    parameters: tuple[Parameter, ...] = ()
    cards: tuple[Card, ...]

    def parameter(self, name: str) -> Parameter:
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        raise KeyError(name)

    def card(self, card_id: str) -> Card:
        for card in self.cards:
            if card.id == card_id:
                return card
        raise KeyError(card_id)


@dataclass
class CardResult:
    """A card's rows, or the one-line error of its query."""

    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    error: str | None = None


def _check(dashboard: Dashboard) -> Dashboard:
    names = {p.name for p in dashboard.parameters}
    for card in dashboard.cards:
        unknown = set(card.parameter_names()) - names
        if unknown:
            raise LoupeError(f"dashboard {dashboard.slug}, card {card.id}: unknown {unknown}")
        if card.col + card.width > GRID_COLUMNS:
            raise LoupeError(f"dashboard {dashboard.slug}, card {card.id}: wider than the grid")
    return dashboard


@cache
def load_dashboards() -> tuple[Dashboard, ...]:
    """The packaged dashboards, ordered by file name (`01_funnel.yaml`, ...)."""
    folder = resources.files("loupe.dashboards") / "definitions"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)
    return tuple(_check(Dashboard.model_validate(yaml.safe_load(f.read_text()))) for f in files)


def _resolve_date(text: str, latest: date) -> date:
    relative = _RELATIVE.match(text)
    if relative:
        return latest - timedelta(days=int(relative.group(1) or 0))
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise LoupeError(f"not a date (YYYY-MM-DD): {text[:40]!r}") from None


def resolve_values(
    dashboard: Dashboard, warehouse: Warehouse, raw: Mapping[str, str]
) -> dict[str, str]:
    """Filter values from a request (unknown names ignored), defaults filled, validated.

    Relative date defaults (`latest`, `latest-6d`) count from the newest day in dwh.sessions.
    """
    latest: date | None = None
    values: dict[str, str] = {}
    for parameter in dashboard.parameters:
        text = str(raw.get(parameter.name, "") or "").strip() or parameter.default
        if parameter.type == "date" and text:
            if latest is None:
                latest = warehouse.scalar(LATEST_DATA_SQL) or date.today()
            text = _resolve_date(text, latest).isoformat()
        elif parameter.choices and text not in parameter.choices:
            raise LoupeError(f"{parameter.label}: {text[:40]!r} is not one of {parameter.choices}")
        values[parameter.name] = text
    _check_range(dashboard, values)
    return values


def _check_range(dashboard: Dashboard, values: Mapping[str, str]) -> None:
    """A reversed range (`start` after `end`) is refused with one message, not run."""
    start, end = values.get(RANGE[0]), values.get(RANGE[1])
    if start and end and start > end:
        first, last = (dashboard.parameter(name).label for name in RANGE)
        raise LoupeError(f"{first} is after {last}")


def render_sql(
    card: Card, dashboard: Dashboard, values: Mapping[str, str], prefix: str = ""
) -> tuple[str, dict[str, Any]]:
    """The card's SQL for ClickHouse: optional blocks kept only when all their parameters have
    a value, `{{name}}` turned into `{<prefix>name:Type}`, and the bound values (their names
    prefixed too, so two renderings can share one query)."""

    def optional(match: re.Match[str]) -> str:
        names = _PLACEHOLDER.findall(match.group(1))
        return match.group(1) if all(values.get(name) for name in names) else ""

    sql = _OPTIONAL.sub(optional, card.sql)
    params: dict[str, Any] = {}

    def placeholder(match: re.Match[str]) -> str:
        parameter = dashboard.parameter(match.group(1))
        value = values.get(parameter.name, "")
        if not value:
            raise LoupeError(f"{parameter.label} is required by {card.title!r}")
        name = prefix + parameter.name
        params[name] = date.fromisoformat(value) if parameter.type == "date" else value
        return f"{{{name}:{CLICKHOUSE_TYPES[parameter.type]}}}"

    return _PLACEHOLDER.sub(placeholder, sql), params


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value != value:  # NaN (e.g. 0/0) is not valid JSON
        return None
    return value


def run_card(
    warehouse: Warehouse, dashboard: Dashboard, card: Card, values: Mapping[str, str]
) -> CardResult:
    """Run one card with the given (resolved) filter values; a failing query gives `error`."""
    try:
        sql, params = render_sql(card, dashboard, values)
        table = warehouse.query(sql, params)
    except (QueryError, LoupeError) as exc:
        return CardResult(error=str(exc))
    columns, rows = rows_of(table)
    return CardResult(columns=columns, rows=rows)


def rows_of(table: pa.Table) -> tuple[list[str], list[list[Any]]]:
    """A query result's column names and rows (dates as ISO text, NaN as None)."""
    rows = [[_plain(value) for value in row.values()] for row in table.to_pylist()]
    return list(table.column_names), rows
