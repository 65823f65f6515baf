"""The scheduler's ledger, `etl.scheduler_runs`: one row per attempt of a job at a slot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from loupe import sqlfiles
from loupe.warehouse import Warehouse


def sql(name: str) -> str:
    """A statement of `scheduler/sql/`."""
    return sqlfiles.load("loupe.scheduler", name)


RECORD_SQL = sql("record_attempt")
LAST_SUCCESS_SQL = sql("last_success")


@dataclass(frozen=True)
class Attempt:
    """One attempt of `job` at `slot`: `status` is success, failed or interrupted."""

    job: str
    slot: datetime
    attempt: int
    started_at: datetime
    finished_at: datetime
    status: str
    error: str = ""

    @property
    def seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()


def record(warehouse: Warehouse, attempt: Attempt, holder: str) -> None:
    """Append the attempt to etl.scheduler_runs."""
    warehouse.command(
        RECORD_SQL,
        {
            "job": attempt.job,
            "slot": attempt.slot.astimezone(timezone.utc).replace(tzinfo=None),
            "attempt": attempt.attempt,
            "started_at": attempt.started_at,
            "finished_at": attempt.finished_at,
            "status": attempt.status,
            "error": attempt.error[:2000],
            "holder": holder,
        },
    )


def last_successes(warehouse: Warehouse) -> dict[str, datetime]:
    """The newest successful slot of each job that has one (aware UTC datetimes)."""
    return {row["job"]: _utc(row["slot"]) for row in warehouse.rows(LAST_SUCCESS_SQL)}


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
