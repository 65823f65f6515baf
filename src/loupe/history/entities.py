"""The entities whose history Loupe keeps (`entities.yaml`), and their columns in the warehouse.

The YAML names each entity's source table, key columns, tracked columns and optional
`changed_since` column; the column list and types come from the entity's history table
(`history.<entity>_versions`, created by a migration), so the configuration and the schema cannot
disagree silently: every name is checked against both.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from loupe import sqlfiles
from loupe.errors import ConfigError, LoupeError
from loupe.schema.link import LINK_DATABASE
from loupe.warehouse import Warehouse, check_identifier

# The version columns every history.<entity>_versions table has after the source columns.
VERSION_COLUMNS = ("valid_from", "version", "row_hash", "is_deleted", "snapshot_id")


class EntityConfig(BaseModel):
    """One entry of `entities.yaml`."""

    model_config = ConfigDict(extra="forbid")

    source: str
    key: list[str] = Field(min_length=1)
    tracked: Literal["all"] | list[str] = "all"
    changed_since: str | None = None
    lag_seconds: int = Field(300, ge=0)
    full_every_hours: float = Field(24, gt=0)
    label: str | None = None


class EntitiesFile(BaseModel):
    """The whole of `entities.yaml`."""

    model_config = ConfigDict(extra="forbid")

    entities: dict[str, EntityConfig]


@dataclass(frozen=True)
class Entity:
    """An entity, its configuration and the columns of its history table."""

    name: str
    source: str
    key: tuple[str, ...]
    columns: tuple[str, ...]
    tracked: tuple[str, ...]
    changed_since: str | None
    lag_seconds: int
    full_every_hours: float

    @property
    def versions_table(self) -> str:
        return f"history.{self.name}_versions"

    @property
    def source_table(self) -> str:
        return f"{LINK_DATABASE}.{self.source}"

    @property
    def staging_table(self) -> str:
        return f"etl.snapshot_{self.name}"

    @property
    def changes_table(self) -> str:
        return f"etl.snapshot_{self.name}_changes"

    @property
    def job(self) -> str:
        return f"snapshot:{self.name}"


@cache
def load_config() -> dict[str, EntityConfig]:
    """The packaged entities configuration, validated (names are plain identifiers)."""
    return parse_config((resources.files("loupe.history") / "entities.yaml").read_text())


def parse_config(text: str) -> dict[str, EntityConfig]:
    """An entities configuration, validated: names are plain identifiers, only items has a
    `label`; a ConfigError otherwise."""
    try:
        entities = EntitiesFile.model_validate(yaml.safe_load(text)).entities
        for name, config in entities.items():
            names = [name, config.source, *config.key, config.changed_since or "x"]
            names.append(config.label or "x")
            if config.label and name != "items":
                raise ValueError(f"{name}: only the items entity has a label (dwh.items.label)")
            if config.tracked != "all":
                names.extend(config.tracked)
            for identifier in names:
                check_identifier(identifier)
                if "." in identifier:
                    raise ValueError(f"{identifier!r}: a bare name, without a database")
    except ValueError as exc:
        raise ConfigError(f"history/entities.yaml: {exc}") from exc
    return entities


def entity_names(selected: list[str] | None = None) -> list[str]:
    """The configured entities in file order, or `selected` after checking each exists."""
    configured = list(load_config())
    if not selected:
        return configured
    unknown = [name for name in selected if name not in configured]
    if unknown:
        raise LoupeError(
            f"unknown entities {', '.join(unknown)} (configured: {', '.join(configured)})"
        )
    return [name for name in configured if name in selected]


def _columns(warehouse: Warehouse, database: str, table: str) -> list[str]:
    rows = warehouse.rows(
        sqlfiles.load("loupe.history", "table_columns"), {"db": database, "t": table}
    )
    return [row["name"] for row in rows]


def resolve(warehouse: Warehouse, name: str) -> Entity:
    """The entity `name` with its history columns; a clear error if a table or column is missing."""
    config = load_config()[name]
    history_columns = _columns(warehouse, "history", f"{name}_versions")
    if not history_columns:
        raise LoupeError(f"history.{name}_versions does not exist (run `loupe migrate`)")
    columns = [column for column in history_columns if column not in VERSION_COLUMNS]
    tracked = columns if config.tracked == "all" else config.tracked
    named = [*config.key, *tracked, *([config.changed_since] if config.changed_since else [])]
    missing = [column for column in named if column not in columns]
    if missing:
        raise ConfigError(
            f"entity {name}: columns {', '.join(missing)} are not in history.{name}_versions"
        )
    return Entity(
        name=name,
        source=config.source,
        key=tuple(config.key),
        columns=tuple(columns),
        tracked=tuple(tracked),
        changed_since=config.changed_since,
        lag_seconds=config.lag_seconds,
        full_every_hours=config.full_every_hours,
    )


def check_source(warehouse: Warehouse, entity: Entity) -> None:
    """Raise a clear error unless the source table exists with every column history keeps."""
    if not warehouse.scalar(sqlfiles.load("loupe", "database_exists"), {"db": LINK_DATABASE}):
        raise LoupeError(
            "no production database link (`mysql` schema): set production_url and run `loupe init`"
        )
    try:
        source_columns = _columns(warehouse, LINK_DATABASE, entity.source)
    except LoupeError as exc:
        raise LoupeError(f"production database is unreachable: {exc}") from exc
    if not source_columns:
        raise LoupeError(
            f"entity {entity.name}: table {entity.source} is missing in the production database"
        )
    missing = [column for column in entity.columns if column not in source_columns]
    if missing:
        raise LoupeError(
            f"entity {entity.name}: production table {entity.source} has no column "
            f"{', '.join(missing)}"
        )


def item_label(warehouse: Warehouse) -> str | None:
    """The production column holding the items' names (`label` of the items entity), when the
    production table has it; None otherwise, and dwh.items.label is then `SKU · section`."""
    config = load_config().get("items")
    if config is None or config.label is None:
        return None
    present = config.label in _columns(warehouse, LINK_DATABASE, config.source)
    return config.label if present else None
