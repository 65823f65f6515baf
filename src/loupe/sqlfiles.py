"""The one way Loupe loads and renders its SQL: every statement lives in a packaged `.sql` file.

A statement is found by package and name: `load("loupe.jobs", "hourly_days", "queries")` is the
text of `loupe/jobs/queries/hourly_days.sql`, read once and cached. Values and names reach a
statement as ClickHouse query parameters (`{day:Date}`, `{table:Identifier}`); a file needs
Jinja only for what parameters cannot carry (a clause that is there or not, a name where
ClickHouse does not accept `{x:Identifier}`: docs/schema.md), and then renders in the one
shared environment below (`render`): StrictUndefined, so a missing value is an error, never an
empty string. Names rendered by Jinja pass the `identifier` filter, which admits `name` or
`db.name` only; strings pass `literal`, which quotes them.

A qualified table name `db.table` binds as two parameters,
`{table_db:Identifier}.{table:Identifier}` (one `{x:Identifier}` is one name part: `'etl.t'`
would be the single name `` `etl.t` ``): `names(table="etl.t")` gives both.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import jinja2
import jinja2.meta

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?")
_IDENTIFIER_PARAMETER = re.compile(r"\{(\w+):Identifier\}")


def identifier(name: str) -> str:
    """`name` itself if it is a plain identifier or `db.name`; else a ValueError (Jinja filter)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


def literal(value: str) -> str:
    """A ClickHouse string literal, for where a query parameter is refused (a COMMENT)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _environment(loader: jinja2.BaseLoader | None = None) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=loader, undefined=jinja2.StrictUndefined, keep_trailing_newline=True
    )
    environment.filters["identifier"] = identifier
    environment.filters["literal"] = literal
    return environment


_JINJA = _environment()


@cache
def load(package: str, name: str, folder: str = "sql") -> str:
    """The text of `<package>/<folder>/<name>.sql` (`folder=""`: the package's own folder)."""
    root = resources.files(package)
    path = root.joinpath(folder, f"{name}.sql") if folder else root.joinpath(f"{name}.sql")
    return path.read_text(encoding="utf-8")


def load_all(package: str, folder: str) -> dict[str, str]:
    """The text of every `.sql` file of `<package>/<folder>`, by name, in name order."""
    entries = sorted(resources.files(package).joinpath(folder).iterdir(), key=lambda e: e.name)
    return {
        e.name[:-4]: load(package, e.name[:-4], folder) for e in entries if e.name.endswith(".sql")
    }


@cache
def _compiled(text: str) -> jinja2.Template:
    return _JINJA.from_string(text)


def render_text(text: str, **values: object) -> str:
    """A SQL text rendered as a Jinja template of the shared environment."""
    return _compiled(text).render(**values)


def render(package: str, name: str, folder: str = "sql", **values: object) -> str:
    """The packaged file `<package>/<folder>/<name>.sql` rendered with `values`."""
    return render_text(load(package, name, folder), **values)


@cache
def with_templates(package: str, folder: str) -> jinja2.Environment:
    """The shared environment with `<package>/<folder>` to import templates from (a migration's
    `{% from "history_entity.sql" import ... %}`: schema/migrate.py)."""
    return _JINJA.overlay(loader=jinja2.PackageLoader(package, folder))


def referenced_templates(environment: jinja2.Environment, text: str) -> list[str | None]:
    """The names of the templates `text` imports or includes (None for a computed name)."""
    return list(jinja2.meta.find_referenced_templates(environment.parse(text)))


def template_text(environment: jinja2.Environment, name: str) -> str | None:
    """The text of the template `name` as `environment` finds it (None if it has none)."""
    try:
        return environment.loader.get_source(environment, name)[0] if environment.loader else None
    except jinja2.TemplateNotFound:
        return None


def names(**tables: str) -> dict[str, str]:
    """Query parameters binding qualified table names: `names(table="etl.t")` is
    `{"table_db": "etl", "table": "t"}`, for `{table_db:Identifier}.{table:Identifier}`."""
    params = {}
    for key, qualified in tables.items():
        database, dot, table = identifier(qualified).partition(".")
        if not dot:
            raise ValueError(f"{key}: a table name qualified by its database, not {qualified!r}")
        params[f"{key}_db"] = database
        params[key] = table
    return params


def shown(sql: str, params: Mapping[str, Any] | None = None) -> str:
    """A statement on one line as the logs show it: comment lines dropped, each
    `{x:Identifier}` replaced by the name bound to it (values stay placeholders)."""
    code = " ".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    if params:
        code = _IDENTIFIER_PARAMETER.sub(lambda m: str(params.get(m[1], m[0])), code)
    return " ".join(code.split())
