"""The scheduler: runs each job's due slots in dependency order, under a lease, with retries.

`tick()` does one pass: for each job (dependencies first) it reads its last successful slot from
the ledger and runs every slot due since, oldest first, each once; a failed attempt is recorded
and retried with exponential backoff, and a job whose slot still fails waits `backoff_max` before
the next pass tries again (the jobs depending on it wait too). `run_forever()` ticks until
`stop` is set (SIGTERM), sleeping until the next slot is due. The clock is injectable.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from loupe.scheduler import ledger, metrics
from loupe.scheduler.guard import StoppableWarehouse, StopRequested
from loupe.scheduler.lease import Lease, LeaseHeld, new_holder, release_dead_holders
from loupe.scheduler.ledger import Attempt
from loupe.scheduler.options import SchedulerOptions
from loupe.scheduler.specs import JobSpec, due_slots, in_dependency_order
from loupe.warehouse import Warehouse

log = logging.getLogger("loupe.scheduler")

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Scheduler:
    """Runs `specs` on `warehouse`; `stop` (set on SIGTERM) ends it between statements."""

    def __init__(
        self,
        warehouse: Warehouse,
        specs: list[JobSpec],
        options: SchedulerOptions,
        now: Clock = utc_now,
        stop: threading.Event | None = None,
        on_tick: Callable[[], None] | None = None,
    ) -> None:
        self.warehouse = warehouse
        self.specs = in_dependency_order(specs)
        self.options = options
        self.now = now
        self.stop = stop or threading.Event()
        self.holder = new_holder()
        self.on_tick = on_tick
        self._jobs_view = StoppableWarehouse(warehouse, self.stop)
        self._cooldown: dict[str, datetime] = {}

    def tick(self) -> list[Attempt]:
        """Run every due slot of every job once (oldest first); return the attempts made."""
        attempts: list[Attempt] = []
        last = ledger.last_successes(self.warehouse)
        waiting: set[str] = set()
        for spec in self.specs:
            if self.stop.is_set():
                break
            slots = due_slots(spec.schedule, last.get(spec.name), self.now())
            if len(slots) > self.options.max_catchup_slots:
                skipped = len(slots) - self.options.max_catchup_slots
                log.warning(
                    "%s: %d missed slots skipped (older than the catch-up limit)",
                    spec.name,
                    skipped,
                )
                slots = slots[skipped:]
            metrics.PENDING_SLOTS.labels(spec.name).set(len(slots))
            blocked = [name for name in spec.depends_on if name in waiting]
            cooling = self._cooldown.get(spec.name)
            if not slots:
                continue
            if blocked or (cooling and self.now() < cooling):
                waiting.add(spec.name)
                continue
            try:
                with Lease(
                    self.warehouse,
                    spec.lock_name,
                    self.holder,
                    self.options.lease_seconds,
                    self.options.lease_settle_seconds,
                ):
                    done = self._run_slots(spec, slots, attempts)
            except LeaseHeld as held:
                log.info("%s: not run, its lease %s", spec.name, held)
                done = False
            if not done:
                waiting.add(spec.name)
        if self.on_tick:
            self.on_tick()
        return attempts

    def _run_slots(self, spec: JobSpec, slots: list[datetime], attempts: list[Attempt]) -> bool:
        for done, slot in enumerate(slots, start=1):
            if self._run_slot(spec, slot, attempts) != "success":
                return False
            metrics.PENDING_SLOTS.labels(spec.name).set(len(slots) - done)
        return True

    def _run_slot(self, spec: JobSpec, slot: datetime, attempts: list[Attempt]) -> str:
        """Run one slot with retries; return the last attempt's status."""
        for number in range(1, self.options.retries + 2):
            if self.stop.is_set():
                return "interrupted"
            started = utc_now()
            status, error = "success", ""
            log.info("%s %s: started (attempt %d)", spec.name, _slot(slot), number)
            try:
                summary = spec.run(self._jobs_view, slot)
            except StopRequested:
                status, error = "interrupted", "stopped (SIGTERM) between statements"
            except Exception as exc:
                status, error = "failed", f"{type(exc).__name__}: {exc}"
            attempt = Attempt(spec.name, slot, number, started, utc_now(), status, error)
            ledger.record(self.warehouse, attempt, self.holder)
            attempts.append(attempt)
            metrics.RUN_SECONDS.labels(spec.name, status).observe(attempt.seconds)
            if status == "success":
                metrics.LAST_SUCCESS.labels(spec.name).set(attempt.finished_at.timestamp())
                self._cooldown.pop(spec.name, None)
                log.info("%s %s: %s (%.1f s)", spec.name, _slot(slot), summary, attempt.seconds)
                return status
            if status == "interrupted":
                log.info(
                    "%s %s: interrupted; it runs again at the next start", spec.name, _slot(slot)
                )
                return status
            metrics.FAILURES.labels(spec.name).inc()
            log.warning("%s %s attempt %d failed: %s", spec.name, _slot(slot), number, error)
            if number <= self.options.retries:
                self.stop.wait(self._backoff(number))
        self._cooldown[spec.name] = self.now() + timedelta(seconds=self.options.backoff_max_seconds)
        return "failed"

    def _backoff(self, attempt: int) -> float:
        delay = self.options.backoff_seconds * 2 ** (attempt - 1)
        return min(delay, self.options.backoff_max_seconds)

    def next_due(self) -> datetime:
        """When the next slot of any job falls due."""
        now = self.now()
        return min(
            spec.schedule.next_after(spec.schedule.slot_at_or_before(now)) for spec in self.specs
        )

    def release_dead_leases(self) -> None:
        """Release the leases of schedulers that died holding them (see `lease.py`)."""
        for holder in release_dead_holders(self.warehouse, self.warehouse.kind == "embedded"):
            log.info("released the leases of %s (no longer running)", holder)

    def run_forever(self) -> None:
        """Tick until `stop` is set, sleeping until the next slot (at most `check_seconds`)."""
        self.release_dead_leases()
        log.info("scheduler %s started: %s", self.holder, ", ".join(s.name for s in self.specs))
        while not self.stop.is_set():
            try:
                self.tick()
            except Exception:
                # The ledger or the lease table unreachable (a server restarting): retry later.
                log.exception(
                    "scheduler pass failed; trying again in %s s", self.options.check_seconds
                )
                self.stop.wait(self.options.check_seconds)
                continue
            wait = (self.next_due() - self.now()).total_seconds()
            self.stop.wait(max(0.0, min(wait, self.options.check_seconds)))
        log.info("scheduler stopped")


def _slot(slot: datetime) -> str:
    return slot.strftime("%Y-%m-%d %H:%M:%S")
