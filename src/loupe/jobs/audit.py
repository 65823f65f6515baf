"""Audits of the built days: one `.sql` file each in `jobs/audits/`, found by name.

An audit file `NAME.sql` starts with a header line `-- audit: WHAT IT CHECKS` and is a SELECT
of the offending rows of one business day of `dwh` (parameters `{day:Date}` and
`{timezone:String}`): an empty result means the day passes. Audits read what readers see, after
the swap; they change nothing. `loupe etl audit` runs them on demand and the scheduler after each
nightly rebuild. Adding an audit means adding a file; nothing else lists them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

from loupe import sqlfiles
from loupe.errors import LoupeError
from loupe.jobs.registry import query, sql_files
from loupe.settings import Settings
from loupe.warehouse import Warehouse

SAMPLE_ROWS = 5
DAYS_BUILT_SQL = query("days_built_since")


@dataclass(frozen=True)
class Audit:
    """One data check: a SELECT of the rows that break a rule."""

    name: str
    description: str
    sql: str


@dataclass
class AuditResult:
    """One audit's outcome for one day: how many rows break its rule, and the first few."""

    audit: str
    description: str
    day: date
    offending_rows: int
    sample: list[dict] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.offending_rows == 0


def parse_audit(name: str, sql: str) -> Audit:
    """An audit from the text of its file `NAME.sql` (the header line gives its description)."""
    first = sql.splitlines()[0] if sql else ""
    if not first.startswith("-- audit:"):
        raise LoupeError(f"jobs/audits/{name}.sql must start with a `-- audit: ...` header line")
    return Audit(name, first.removeprefix("-- audit:").strip(), sql.strip().rstrip(";"))


@cache
def all_audits() -> dict[str, Audit]:
    """Every audit, by name."""
    return {name: parse_audit(name, sql) for name, sql in sql_files("audits").items()}


def select_audits(names: list[str] | None = None) -> list[Audit]:
    """The named audits (all by default), in name order; an unknown name is an error."""
    audits = all_audits()
    unknown = sorted(set(names or []) - set(audits))
    if unknown:
        raise LoupeError(f"unknown audits {unknown}; audits: {', '.join(audits)}")
    return [audit for name, audit in audits.items() if not names or name in names]


def run_audit(warehouse: Warehouse, settings: Settings, audit: Audit, day: date) -> AuditResult:
    """Count the day's offending rows of one audit, and read a sample of them if there are any."""
    params = {"day": day, "timezone": settings.timezone}
    # The audit's SELECT is a file of the package, wrapped as a subquery; values are parameters.
    offending = warehouse.scalar(_wrapped("audit_count", audit), params)
    sample = []
    if offending:
        sample = warehouse.rows(
            _wrapped("audit_sample", audit), {**params, "sample_rows": SAMPLE_ROWS}
        )
    return AuditResult(audit.name, audit.description, day, offending, sample)


def _wrapped(name: str, audit: Audit) -> str:
    return sqlfiles.render("loupe.jobs", name, "queries", audit=audit.sql)


def run_audits(
    warehouse: Warehouse,
    settings: Settings,
    days: list[date],
    names: list[str] | None = None,
    on_result: Callable[[AuditResult], None] | None = None,
) -> list[AuditResult]:
    """Run the selected audits (all by default) on each day; `on_result` follows progress."""
    audits = select_audits(names)
    results = []
    for day in sorted(days):
        for audit in audits:
            results.append(run_audit(warehouse, settings, audit, day))
            if on_result:
                on_result(results[-1])
    return results


def audit_days_built_since(
    warehouse: Warehouse, settings: Settings, since: datetime
) -> tuple[list[date], list[AuditResult]]:
    """Run every audit on each day a build swapped into dwh since `since` (what the scheduler
    checks after a nightly rebuild: that night's days, and the days the hourly runs rebuilt)."""
    days = [row["day"] for row in warehouse.rows(DAYS_BUILT_SQL, {"since": since})]
    return days, run_audits(warehouse, settings, days)


def failure_summary(results: list[AuditResult]) -> str:
    """One line naming each failed audit with its day and offending rows ('' if all passed)."""
    return "; ".join(
        f"{result.audit} on {result.day}: {result.offending_rows} rows"
        for result in results
        if not result.passed
    )
