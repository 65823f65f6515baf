"""The previous period of a card: the same number of days immediately before the chosen range.

A KPI (scalar) card, and a trend (a line or area over `date`), whose query reads both ends of the
range run once for both periods: the card's SQL rendered twice (the previous period's parameters
named `previous_*`) under UNION ALL, each row tagged with its period (`sql/with_previous.sql`).
A trend's previous rows are moved forward by the period's length, so that they line up with the
days of the chosen range. No comparison is made when the previous period starts before the first
day of data (dwh.sessions): days the warehouse never had would read as a fall to zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from loupe import sqlfiles
from loupe.dashboards.definitions import (
    RANGE,
    Card,
    CardResult,
    Dashboard,
    render_sql,
    rows_of,
    run_card,
)
from loupe.errors import LoupeError, QueryError
from loupe.warehouse import Warehouse

FIRST_DATA_SQL = sqlfiles.load("loupe.dashboards", "first_data")
PERIOD = "loupe_period"
TRENDS = ("line", "area")


@dataclass
class Previous:
    """The period before the chosen range, and the card's rows over it (None: not compared,
    the data starts on `first_day`, after `start`)."""

    start: date
    end: date
    shift_days: int
    first_day: date | None
    result: CardResult | None


def compares(card: Card) -> bool:
    """Whether the card shows its previous period: a KPI or a daily trend reading the range,
    unless its settings say `compare: false` (a figure whose periods are not alike)."""
    names = card.parameter_names()
    if card.settings.get("compare") is False or not all(name in names for name in RANGE):
        return False
    trend = card.display in TRENDS and card.settings.get("dimension") == "date"
    return card.display == "scalar" or trend


def previous_values(values: Mapping[str, str]) -> dict[str, str]:
    """The filter values with the range moved to the same number of days just before it."""
    start, end = (date.fromisoformat(values[name]) for name in RANGE)
    days = (end - start).days + 1
    first, last = start - timedelta(days=days), start - timedelta(days=1)
    return {**values, RANGE[0]: first.isoformat(), RANGE[1]: last.isoformat()}


def run_compared(
    warehouse: Warehouse, dashboard: Dashboard, card: Card, values: Mapping[str, str]
) -> tuple[CardResult, Previous]:
    """The card over the chosen range and over the previous period (one query for both)."""
    before = previous_values(values)
    start, end = (date.fromisoformat(before[name]) for name in RANGE)
    shift = (date.fromisoformat(values[RANGE[0]]) - start).days
    first_day = warehouse.scalar(FIRST_DATA_SQL)
    previous = Previous(start, end, shift, first_day, None)
    if first_day is None or start < first_day:
        return run_card(warehouse, dashboard, card, values), previous
    try:
        current_sql, params = render_sql(card, dashboard, values)
        previous_sql, previous_params = render_sql(card, dashboard, before, "previous_")
        sql = sqlfiles.render(
            "loupe.dashboards", "with_previous", current=current_sql, previous=previous_sql
        )
        table = warehouse.query(sql, {**params, **previous_params})
    except (QueryError, LoupeError) as exc:
        return CardResult(error=str(exc)), previous
    columns, rows = rows_of(table)
    split: list[list[list[Any]]] = [[], []]
    for row in rows:
        split[row[0]].append(row[1:])
    columns = columns[1:]
    if card.display in TRENDS:
        split = [
            _trend(columns, card, period, shift * number) for number, period in enumerate(split)
        ]
    previous.result = CardResult(columns=columns, rows=split[1])
    return CardResult(columns=columns, rows=split[0]), previous


def _trend(columns: list[str], card: Card, rows: list[list[Any]], shift: int) -> list[list[Any]]:
    """A trend's rows by date (then series), dates moved `shift` days forward."""
    at = columns.index(card.settings["dimension"])
    series = card.settings.get("series")
    by = columns.index(series) if series in columns else None
    moved = [
        [_later(value, shift) if i == at else value for i, value in enumerate(row)] for row in rows
    ]
    return sorted(moved, key=lambda row: (row[at], "" if by is None else str(row[by])))


def _later(day: Any, days: int) -> Any:
    """An ISO date `days` later (another value as it is)."""
    if not days or not isinstance(day, str):
        return day
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()
