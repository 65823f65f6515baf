"""Forward-only schema migrations: numbered `.sql` files applied in filename order.

A ledger (`etl.schema_migrations`) records each applied file's version, checksum and time.
Re-running applies nothing; a file that changed after it was applied is an error, and so is a new
file numbered below the newest applied one. ClickHouse DDL is not transactional, so every
statement is written to be re-runnable (`IF NOT EXISTS`): a migration that failed half-way is
simply run again. Adding a migration means adding a file to `migrations/`.

A migration may import a shared shape from `templates/` (`{% from "history_entity.sql" import
history_entity %}`). Its checksum then covers the templates it imports as well as its own text,
so an applied migration cannot change by way of its template; one that imports none is
checksummed on its own text alone, as every migration was before templates existed.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from loupe import sqlfiles
from loupe.errors import MigrationError
from loupe.schema.ddl import DDL, split_statements
from loupe.warehouse import Warehouse

log = logging.getLogger("loupe.schema")

# The shared SQL environment, importing templates from schema/templates/.
_jinja = sqlfiles.with_templates("loupe.schema", "templates")


@dataclass(frozen=True)
class Migration:
    """One migration file."""

    version: int
    name: str
    text: str
    # The text of each template the file imports, in the order first imported.
    templates: tuple[str, ...] = ()

    @property
    def checksum(self) -> str:
        """SHA-256 of the file's text, followed by its templates' (if it imports any)."""
        digest = hashlib.sha256(self.text.encode())
        for template in self.templates:
            digest.update(b"\0" + template.encode())
        return digest.hexdigest()

    def statements(self, ddl: DDL) -> list[str]:
        """The file rendered for a deployment shape and split into statements."""
        return split_statements(_jinja.from_string(self.text).render(ddl=ddl))


def migrations_dir() -> Path:
    return Path(str(resources.files("loupe.schema") / "migrations"))


def imported_templates(name: str, text: str) -> tuple[str, ...]:
    """The text of every template `text` imports or includes, and of those they do in turn."""
    found: dict[str, str] = {}
    pending = [(name, text)]
    while pending:
        source, body = pending.pop(0)
        for template in sqlfiles.referenced_templates(_jinja, body):
            if template is None:
                raise MigrationError(f"{source}: a template must be imported by a literal name")
            if template not in found:
                imported = sqlfiles.template_text(_jinja, template)
                if imported is None:
                    raise MigrationError(f"{source}: no template {template} in schema/templates")
                found[template] = imported
                pending.append((template, found[template]))
    return tuple(found.values())


def discover(directory: Path | None = None) -> list[Migration]:
    """The migration files of `directory`, sorted by filename (`0001_name.sql`, ...)."""
    found = []
    for path in sorted((directory or migrations_dir()).glob("*.sql")):
        prefix, _, rest = path.stem.partition("_")
        if not prefix.isdigit() or not rest:
            raise MigrationError(f"{path.name}: migration files are named NNNN_description.sql")
        text = path.read_text()
        found.append(Migration(int(prefix), path.name, text, imported_templates(path.name, text)))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError("two migration files share a version number")
    return found


def _ledger() -> Migration:
    return Migration(0, "ledger.sql", sqlfiles.load("loupe.schema", "ledger", folder=""))


def applied(warehouse: Warehouse) -> dict[int, dict]:
    """The ledger's rows by version (empty before the first migration)."""
    rows = warehouse.rows(sqlfiles.load("loupe.schema", "ledger_applied"))
    return {row["version"]: row for row in rows}


def pending(warehouse: Warehouse, ddl: DDL, directory: Path | None = None) -> list[Migration]:
    """Migrations not applied yet, after checking the applied ones are unchanged."""
    for statement in _ledger().statements(ddl):
        warehouse.command(statement)
    done = applied(warehouse)
    newest = max(done, default=0)
    todo = []
    for migration in discover(directory):
        row = done.get(migration.version)
        if row is None:
            if migration.version < newest:
                raise MigrationError(
                    f"{migration.name} is numbered below the newest applied migration "
                    f"({newest}); migrations are forward-only: give it a higher number"
                )
            todo.append(migration)
        elif row["checksum"] != migration.checksum:
            raise MigrationError(
                f"{migration.name} changed after it was applied (checksum differs from the "
                f"ledger). Migrations are forward-only: revert the edit and add a new file"
            )
    return todo


def migrate(warehouse: Warehouse, ddl: DDL, directory: Path | None = None) -> list[Migration]:
    """Apply the pending migrations in order; return those applied."""
    todo = pending(warehouse, ddl, directory)
    for migration in todo:
        log.info("applying %s", migration.name)
        for statement in migration.statements(ddl):
            try:
                warehouse.command(statement)
            except Exception as exc:
                raise MigrationError(f"{migration.name} failed: {exc}") from exc
        warehouse.command(
            sqlfiles.load("loupe.schema", "ledger_record"),
            {"version": migration.version, "name": migration.name, "checksum": migration.checksum},
        )
    return todo


def render_all(ddl: DDL, directory: Path | None = None) -> list[str]:
    """Every statement of the ledger and all migrations rendered for `ddl` (for review)."""
    statements = _ledger().statements(ddl)
    for migration in discover(directory):
        statements.extend(migration.statements(ddl))
    return statements


def require_migrated(warehouse: Warehouse, ddl: DDL) -> None:
    """Fail clearly when migrations are pending (jobs would run against an old schema)."""
    todo = pending(warehouse, ddl)
    if todo:
        names = [m.name for m in todo]
        listed = ", ".join(names) if len(names) <= 3 else f"{names[0]} ... {names[-1]}"
        raise MigrationError(f"{len(todo)} migrations are pending ({listed}): run `loupe migrate`")
