"""`loupe forget`: erase one person (a user, a session or an email) from the warehouse.

In this order, so that a crash part-way leaves nothing that comes back:
1. Resolve the person (subject.py) over the erasure plan (plan.py), which must cover every
   table that holds personal columns.
2. Add their keyed hashes to the erasure list (erasure_list.py): from then on the writers drop
   their new records, snapshots skip their production rows, and copies of orders leave theirs out.
3. Drop their records from the spool (spool.py).
4. Delete their rows from every table of the plan (`ALTER TABLE ... DELETE`, synchronous):
   calls, rejected payloads, staging, visitors, dwh tables, orders and their lines, history
   versions of carts and favorites. `pd.api_calls` rows are deleted, not anonymised: its sort key
   holds the session id, and a call kept without its person would still tell their path.
5. Rebuild the business days they had visits on (jobs/run.py `build_days`), so the rollups
   (dwh.daily_*) no longer count them. A day whose calls are no longer in pd.api_calls cannot be
   rebuilt: its rollups keep the person's counts (anonymous aggregates), and it is reported.
6. Record the erasure in privacy.erasures: when, the kind, the keyed hash of the value named, the
   rows removed per table, the spooled records dropped, the days rebuilt; no personal data.

Run it holding the ETL lease (the CLI does), so no build swaps a day in while rows are deleted.
With `dry_run`, only step 1 runs and the rows are counted: where the warehouse holds the person,
for an access request or before an erasure.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timezone

from loupe import sqlfiles
from loupe.errors import LoupeError
from loupe.ingest.erased import ErasedKeys
from loupe.ingest.hash_key import hash_key
from loupe.jobs.run import build_days, days_without_calls
from loupe.privacy.erasure_list import ErasureReport, add_to_list, record_erasure
from loupe.privacy.plan import PlannedTable, personal_tables, uncovered
from loupe.privacy.spool import erase_from_spool
from loupe.privacy.subject import Subject, parse_request, resolve
from loupe.schema.ddl import DDL
from loupe.settings import Settings
from loupe.warehouse import Warehouse


def _rows(warehouse: Warehouse, table: PlannedTable, params: dict, ddl: DDL, count: bool) -> int:
    sql = sqlfiles.render(
        "loupe.privacy",
        "person_rows",
        columns=table.columns,
        count=count,
        on_cluster=ddl.on_cluster,
    )
    bound = {**params, **sqlfiles.names(table=table.name)}
    if count:
        return int(warehouse.scalar(sql, bound) or 0)
    warehouse.command(sql, bound)
    return 0


def forget(
    warehouse: Warehouse,
    settings: Settings,
    user: str | None = None,
    session: str | None = None,
    email: str | None = None,
    on_step: Callable[[str], None] = lambda step: None,
    dry_run: bool = False,
) -> ErasureReport:
    """Erase the person named by exactly one of `user`, `session`, `email` (see the module);
    with `dry_run`, count their rows per table and change nothing.

    `on_step` is called with each step's name (a table, `spool`, a day rebuilt)."""
    kind, value = parse_request(user, session, email)
    requested_at = datetime.now(timezone.utc)
    ddl = DDL(settings.cluster)
    key = hash_key(settings)
    tables = personal_tables(warehouse)
    missing = uncovered(tables)
    if missing:
        names = ", ".join(f"{t.name} ({', '.join(t.columns)})" for t in missing)
        raise LoupeError(f"the erasure plan cannot match rows of: {names}; nothing erased")
    subject: Subject = resolve(warehouse, key, kind, value, tables)
    params = subject.params()
    days = [
        row["date"] for row in warehouse.rows(sqlfiles.load("loupe.privacy", "person_days"), params)
    ]
    entries = subject.list_entries(key)
    if dry_run:
        report = ErasureReport("", kind, subject.request_hash(key), len(entries))
        for table in tables:
            on_step(table.name)
            report.rows[table.name] = _rows(warehouse, table, params, ddl, count=True)
        report.rebuilt_days = days
        return report
    erasure_id = str(uuid.uuid4())
    add_to_list(warehouse, erasure_id, requested_at, entries)
    report = ErasureReport(erasure_id, kind, subject.request_hash(key), len(entries))
    on_step("spool")
    keys = ErasedKeys.load(warehouse, key)
    report.spooled = erase_from_spool(settings.spool_dir, keys, subject.sessions)
    for table in tables:
        on_step(table.name)
        rows = _rows(warehouse, table, params, ddl, count=True)
        if rows:
            _rows(warehouse, table, params, ddl, count=False)
        report.rows[table.name] = rows
    report.days_not_rebuilt = days_without_calls(warehouse, settings, days)
    report.rebuilt_days = [day for day in days if day not in report.days_not_rebuilt]
    if report.rebuilt_days:
        build_days(
            warehouse,
            settings,
            report.rebuilt_days,
            on_day=lambda day, results: on_step(f"rebuilt {day}"),
        )
    record_erasure(warehouse, report, requested_at)
    return report
