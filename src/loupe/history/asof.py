"""As-of and changes queries over an entity's history (the parameterized views of its migration).

`history.<entity>_as_of(at = T)` is the entity's state at instant T; `history.<entity>_changes(
since = T1, until = T2)` the versions that appeared after T1 up to T2, each with its `change`
(insert, update, delete, reinsert). These functions run them with the times bound as parameters.
"""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa

from loupe.history.entities import entity_names, load_config
from loupe.warehouse import Warehouse

AS_OF_SQL = "SELECT * FROM history.{entity}_as_of(at = {{at:DateTime64(3, 'UTC')}}) ORDER BY {key}"
CHANGES_SQL = (
    "SELECT * FROM history.{entity}_changes(since = {{since:DateTime64(3, 'UTC')}}, "
    "until = {{until:DateTime64(3, 'UTC')}}) ORDER BY valid_from, {key}"
)


def _key(entity: str) -> str:
    return ", ".join(load_config()[entity].key)


def as_of(warehouse: Warehouse, entity: str, at: datetime) -> pa.Table:
    """The rows of `entity` live at instant `at` (UTC), ordered by key."""
    (name,) = entity_names([entity])
    return warehouse.query(AS_OF_SQL.format(entity=name, key=_key(name)), {"at": at})


def changes(warehouse: Warehouse, entity: str, since: datetime, until: datetime) -> pa.Table:
    """The versions of `entity` that appeared in (since, until], oldest first."""
    (name,) = entity_names([entity])
    sql = CHANGES_SQL.format(entity=name, key=_key(name))
    return warehouse.query(sql, {"since": since, "until": until})
