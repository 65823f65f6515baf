"""As-of and changes queries over an entity's history (the parameterized views of its migration).

`history.<entity>_as_of(at = T)` is the entity's state at instant T; `history.<entity>_changes(
since = T1, until = T2)` the versions that appeared after T1 up to T2, each with its `change`
(insert, update, delete, reinsert). These functions run them with the times bound as parameters.
"""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa

from loupe.history.entities import entity_names, load_config
from loupe.history.snapshot import sql
from loupe.warehouse import Warehouse


def as_of(warehouse: Warehouse, entity: str, at: datetime) -> pa.Table:
    """The rows of `entity` live at instant `at` (UTC), ordered by key."""
    (name,) = entity_names([entity])
    statement = sql("as_of", entity=name, key=load_config()[name].key)
    return warehouse.query(statement, {"at": at})


def changes(warehouse: Warehouse, entity: str, since: datetime, until: datetime) -> pa.Table:
    """The versions of `entity` that appeared in (since, until], oldest first."""
    (name,) = entity_names([entity])
    statement = sql("changes_between", entity=name, key=load_config()[name].key)
    return warehouse.query(statement, {"since": since, "until": until})
