"""The one helper that turns Loupe's DDL into single-node or cluster DDL.

Migration files are Jinja templates that call `ddl.*` wherever a statement depends on the
deployment: `ddl.on_cluster`, `ddl.table(name)`, `ddl.engine(name, family, *args)`,
`ddl.settings()` and `ddl.distributed(name, sharding_key)`. Without a cluster they render plain
MergeTree DDL; with `cluster` set they render `ON CLUSTER` DDL, `Replicated*` storage tables named
`<table>_local`, and a `Distributed` table under the public name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from loupe.warehouse.base import check_identifier

# How many recent insert blocks ClickHouse remembers to drop a repeated insert (same
# deduplication token). MergeTree does not deduplicate unless this is set.
DEDUPLICATION_WINDOW = 10_000

_STATEMENT_END = re.compile(r";[ \t]*(?:\n|$)")


@dataclass(frozen=True)
class DDL:
    """Renders engine, cluster and settings clauses for one deployment shape."""

    cluster: str | None = None

    @property
    def on_cluster(self) -> str:
        """`ON CLUSTER name`, or nothing on a single node."""
        return f"ON CLUSTER {check_identifier(self.cluster)}" if self.cluster else ""

    def table(self, name: str) -> str:
        """The storage table's name: `db.t`, or `db.t_local` under a Distributed `db.t`."""
        check_identifier(name)
        return f"{name}_local" if self.cluster else name

    def engine(self, name: str, family: str = "MergeTree", *args: str) -> str:
        """A MergeTree-family engine; `Replicated<family>` with a per-shard path on a cluster."""
        check_identifier(family)
        if not family.endswith("MergeTree"):
            raise ValueError(f"not a MergeTree-family engine: {family}")
        if not self.cluster:
            return f"{family}({', '.join(args)})"
        database, _, table = self.table(name).partition(".")
        replication = [f"'/clickhouse/tables/{{shard}}/{database}/{table}'", "'{replica}'"]
        return f"Replicated{family}({', '.join([*replication, *args])})"

    def settings(self) -> str:
        """Table settings shared by every storage table (insert deduplication window)."""
        window = (
            "replicated_deduplication_window"
            if self.cluster
            else "non_replicated_deduplication_window"
        )
        return f"SETTINGS index_granularity = 8192, {window} = {DEDUPLICATION_WINDOW}"

    def distributed(self, name: str, sharding_key: str) -> str:
        """On a cluster, the statement creating the Distributed table `name`; else nothing."""
        if not self.cluster:
            return ""
        local = self.table(name)
        database, _, table = local.partition(".")
        return (
            f"CREATE TABLE IF NOT EXISTS {name} {self.on_cluster} AS {local}\n"
            f"ENGINE = Distributed({self.cluster}, {database}, {table}, {sharding_key})"
        )


def split_statements(sql: str) -> list[str]:
    """Split a rendered file into statements on `;` at line ends, dropping empty ones."""
    statements = []
    for chunk in _STATEMENT_END.split(sql):
        code_lines = [line for line in chunk.splitlines() if not line.strip().startswith("--")]
        if "".join(code_lines).strip():
            statements.append(chunk.strip())
    return statements
