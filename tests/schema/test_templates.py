"""A history entity's migration can be rendered from `schema/templates/history_entity.sql`: the
template gives what migrations 0020-0023 wrote by hand, and the ledger's checksums stay stable
for the files that import no template while covering the template for the files that do."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest

from loupe.errors import MigrationError
from loupe.schema.ddl import DDL
from loupe.schema.migrate import (
    Migration,
    discover,
    imported_templates,
    migrate,
    migrations_dir,
)
from loupe.warehouse import Warehouse

HAND_WRITTEN = {
    "items": "0020_history_items.sql",
    "stock": "0021_history_stock.sql",
    "cart": "0022_history_cart.sql",
    "favorites": "0023_history_favorites.sql",
}


def entity_migration(name: str, key: list[str], columns: list[str]) -> str:
    """A migration file adding the history entity `name` through the template."""
    return (
        f"-- history.{name}: versions of the production `{name}` rows.\n"
        '{% from "history_entity.sql" import history_entity %}\n'
        f"{{{{ history_entity(ddl, {name!r}, key={key!r}, columns={columns!r}) }}}}\n"
    )


def from_hand_written(name: str, text: str) -> str:
    """The same entity through the template: key and columns read off the hand-written file."""
    table = re.search(r"\n\(\n(.*?)\n    valid_from", text, re.S)
    key = re.search(r"^ORDER BY \((.*), version\)$", text, re.M)
    assert table and key
    columns = [line.strip().rstrip(",") for line in table.group(1).strip().splitlines()]
    return entity_migration(name, key.group(1).split(", "), columns)


def normalized(migration: Migration, ddl: DDL) -> list[str]:
    """The statements without comments and with white space folded."""
    statements = []
    for statement in migration.statements(ddl):
        code = [line for line in statement.splitlines() if not line.strip().startswith("--")]
        folded = re.sub(r"\s+", " ", " ".join(code)).strip()
        statements.append(folded.replace("( ", "(").replace(" )", ")"))
    return statements


@pytest.mark.parametrize("name", sorted(HAND_WRITTEN))
@pytest.mark.parametrize("cluster", [None, "shop"])
def test_template_renders_what_the_hand_written_migration_does(
    name: str, cluster: str | None
) -> None:
    written = next(m for m in discover() if m.name == HAND_WRITTEN[name])
    text = from_hand_written(name, written.text)
    rendered = Migration(99, "0099_template.sql", text, imported_templates("0099", text))
    ddl = DDL(cluster)
    # 0028 dropped the key-only staging table that the hand-written files also created.
    expected = [s for s in normalized(written, ddl) if f"etl.snapshot_{name}_keys" not in s]
    assert normalized(rendered, ddl) == expected


def test_files_without_a_template_keep_their_checksum() -> None:
    for migration in discover():
        assert migration.templates == ()
        assert migration.checksum == hashlib.sha256(migration.text.encode()).hexdigest()


def test_a_template_is_part_of_the_checksum(tmp_path: Path) -> None:
    text = entity_migration("wishlists", ["user_id"], ["user_id Int64"])
    (tmp_path / "0099_history_wishlists.sql").write_text(text)
    (migration,) = discover(tmp_path)
    assert migration.templates and "macro history_entity" in migration.templates[0]
    changed = Migration(99, migration.name, text, (migration.templates[0] + "\n",))
    assert changed.checksum != migration.checksum
    assert migration.checksum != hashlib.sha256(text.encode()).hexdigest()


def test_an_unknown_template_is_refused(tmp_path: Path) -> None:
    (tmp_path / "0099_x.sql").write_text('{% from "nope.sql" import x %}\n{{ x() }}\n')
    with pytest.raises(MigrationError, match=r"no template nope\.sql"):
        discover(tmp_path)


def test_an_entity_from_the_template_applies(warehouse: Warehouse, tmp_path: Path) -> None:
    directory = tmp_path / "migrations"
    shutil.copytree(migrations_dir(), directory)
    columns = ["user_id Int64", "item_id Int64", "note String"]
    text = entity_migration("wishlists", ["user_id", "item_id"], columns)
    (directory / "0999_history_wishlists.sql").write_text(text)
    assert [m.name for m in migrate(warehouse, DDL(), directory)] == ["0999_history_wishlists.sql"]
    tables = warehouse.rows(
        "SELECT database, name FROM system.tables WHERE name LIKE '%wishlists%' ORDER BY name"
    )
    assert [f"{row['database']}.{row['name']}" for row in tables] == [
        "etl.snapshot_wishlists",
        "etl.snapshot_wishlists_changes",
        "history.wishlists",
        "history.wishlists_as_of",
        "history.wishlists_changes",
        "history.wishlists_versions",
    ]
    assert migrate(warehouse, DDL(), directory) == []
