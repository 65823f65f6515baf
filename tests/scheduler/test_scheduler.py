"""The scheduler on real chDB: catch-up, dependency order, retries, leases."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone

import pytest

from loupe.errors import LoupeError
from loupe.scheduler import JobSpec, Scheduler, SchedulerOptions, default_specs
from loupe.scheduler import lease as lease_module
from loupe.scheduler.lease import Lease, LeaseHeld, release_dead_holders
from loupe.scheduler.specs import DailyAt, Every, business_yesterday, due_slots
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from tests.helpers.calls import load, visit_calls
from tests.helpers.clock import Clock

FAST = SchedulerOptions(retries=2, backoff_seconds=0.01, lease_settle_seconds=0.01)
START = datetime(2026, 11, 24, 10, 20, tzinfo=timezone.utc)


def ledger(warehouse: Warehouse, job: str) -> list[tuple[str, int, str]]:
    rows = warehouse.rows(
        "SELECT slot, attempt, status FROM etl.scheduler_runs WHERE job = {job:String} "
        "ORDER BY started_at, attempt",
        {"job": job},
    )
    return [(row["slot"].strftime("%H:%M"), row["attempt"], row["status"]) for row in rows]


def test_slots_after_a_gap_are_every_missed_hour_oldest_first() -> None:
    hourly = Every(3600)
    last = datetime(2026, 11, 24, 6, tzinfo=timezone.utc)
    slots = due_slots(hourly, last, datetime(2026, 11, 24, 10, 59, tzinfo=timezone.utc))
    assert [slot.hour for slot in slots] == [7, 8, 9, 10]
    assert due_slots(hourly, None, START) == [datetime(2026, 11, 24, 10, tzinfo=timezone.utc)]
    nightly = DailyAt(2, 30, "Europe/Moscow")  # 02:30 in Moscow is 23:30 UTC the day before
    assert nightly.slot_at_or_before(START) == datetime(2026, 11, 23, 23, 30, tzinfo=timezone.utc)
    # That slot is on the 24th in Moscow: the night's run rebuilds the 23rd.
    assert business_yesterday(nightly.slot_at_or_before(START), "Europe/Moscow") == date(
        2026, 11, 23
    )
    # A slot is due at its own instant, not a moment after.
    at_slot = datetime(2026, 11, 24, 23, 30, tzinfo=timezone.utc)
    assert nightly.slot_at_or_before(at_slot) == at_slot
    on_the_hour = datetime(2026, 11, 24, 10, tzinfo=timezone.utc)
    assert due_slots(hourly, last, on_the_hour)[-1] == on_the_hour


@pytest.mark.slow
def test_catch_up_after_a_gap_runs_each_missed_hour_once(
    warehouse: Warehouse, settings: Settings
) -> None:
    clock = Clock(START)
    load(warehouse, visit_calls(START - timedelta(minutes=50), "before-gap"))
    scheduler = Scheduler(warehouse, default_specs(settings, FAST), FAST, now=clock)
    scheduler.tick()
    assert ledger(warehouse, "etl_hourly") == [("10:00", 1, "success")]
    assert ledger(warehouse, "etl_nightly") == [("02:30", 1, "success")]

    # Down for five hours; calls kept arriving meanwhile.
    load(warehouse, visit_calls(START + timedelta(hours=2), "during-gap"))
    clock.advance(hours=5)
    attempts = scheduler.tick()
    assert [(a.job, a.slot.hour) for a in attempts] == [("etl_hourly", h) for h in range(11, 16)]
    assert ledger(warehouse, "etl_hourly")[1:] == [(f"{h}:00", 1, "success") for h in range(11, 16)]
    assert scheduler.tick() == []  # nothing is due twice
    hourly_runs = warehouse.scalar("SELECT count() FROM etl.job_runs WHERE job = 'hourly'")
    assert hourly_runs == 6  # one ETL hourly run per slot
    sessions = warehouse.rows("SELECT session_id FROM dwh.sessions ORDER BY session_id")
    assert [row["session_id"] for row in sessions] == ["before-gap", "during-gap"]


def test_jobs_run_after_their_dependencies(warehouse: Warehouse) -> None:
    order: list[str] = []
    specs = [
        JobSpec("report", Every(3600), lambda w, s: order.append("report") or "", ("load",)),
        JobSpec("load", Every(3600), lambda w, s: order.append("load") or ""),
    ]
    Scheduler(warehouse, specs, FAST, now=Clock(START)).tick()
    assert order == ["load", "report"]
    looping = [*specs[:1], JobSpec("load", Every(3600), specs[1].run, ("report",))]
    with pytest.raises(LoupeError, match="in a cycle through"):
        Scheduler(warehouse, looping, FAST, now=Clock(START))


def test_failures_are_retried_with_backoff_and_recorded(warehouse: Warehouse) -> None:
    calls = {"flaky": 0}

    def flaky(w: Warehouse, slot: datetime) -> str:
        calls["flaky"] += 1
        if calls["flaky"] < 3:
            raise RuntimeError(f"boom {calls['flaky']}")
        return "ok"

    def broken(w: Warehouse, slot: datetime) -> str:
        raise RuntimeError("always")

    downstream: list[datetime] = []
    specs = [
        JobSpec("flaky", Every(3600), flaky),
        JobSpec("broken", Every(3600), broken),
        JobSpec("after_broken", Every(3600), lambda w, s: downstream.append(s) or "", ("broken",)),
    ]
    clock = Clock(START)
    scheduler = Scheduler(warehouse, specs, FAST, now=clock)
    scheduler.tick()
    assert ledger(warehouse, "flaky") == [
        ("10:00", 1, "failed"),
        ("10:00", 2, "failed"),
        ("10:00", 3, "success"),
    ]
    errors = warehouse.rows(
        "SELECT error FROM etl.scheduler_runs WHERE job = 'flaky' AND status = 'failed' "
        "ORDER BY attempt"
    )
    assert [row["error"] for row in errors] == ["RuntimeError: boom 1", "RuntimeError: boom 2"]
    assert [status for *_, status in ledger(warehouse, "broken")] == ["failed"] * 3
    assert downstream == []  # waits for the job it depends on
    scheduler.tick()  # within the cool-down: the broken job is not tried again yet
    assert len(ledger(warehouse, "broken")) == 3
    clock.advance(seconds=FAST.backoff_max_seconds + 1)
    scheduler.tick()
    assert len(ledger(warehouse, "broken")) == 6


class RecordedWaits(threading.Event):
    """A stop event whose waits return at once, recording how long each would have slept."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float | None] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout)
        return self.is_set()


def test_retries_wait_twice_as_long_each_time_up_to_the_cap(warehouse: Warehouse) -> None:
    def broken(w: Warehouse, slot: datetime) -> str:
        raise RuntimeError("always")

    options = SchedulerOptions(retries=4, backoff_seconds=10, backoff_max_seconds=30)
    stop = RecordedWaits()
    specs = [JobSpec("broken", Every(3600), broken)]
    Scheduler(warehouse, specs, options, now=Clock(START), stop=stop).tick()
    assert stop.waits == [10, 20, 30, 30]  # after attempts 1-4; the fifth is the last


def test_a_second_scheduler_does_not_run_a_job_the_first_holds(warehouse: Warehouse) -> None:
    ran: dict[str, int] = {"first": 0, "second": 0}
    second: list[Scheduler] = []
    seen_by_second: list[list] = []

    def job_of(name: str):  # type: ignore[no-untyped-def]
        def run(w: Warehouse, slot: datetime) -> str:
            ran[name] += 1
            if name == "first":  # while the first holds the lease, the second tries
                seen_by_second.append(second[0].tick())
            return name

        return run

    clock = Clock(START)
    first = Scheduler(warehouse, [JobSpec("hourly", Every(3600), job_of("first"))], FAST, clock)
    second.append(
        Scheduler(warehouse, [JobSpec("hourly", Every(3600), job_of("second"))], FAST, clock)
    )
    first.tick()
    assert ran == {"first": 1, "second": 0}
    assert seen_by_second == [[]]
    assert second[0].tick() == []  # afterwards the slot is done: nothing to run
    clock.advance(hours=1)
    assert [a.job for a in second[0].tick()] == ["hourly"]  # the lease was released
    assert ran == {"first": 1, "second": 1}


def test_lease_names_its_holder_and_expires(warehouse: Warehouse) -> None:
    with Lease(warehouse, "etl_days", "host-a:1:x", ttl=60, settle=0.01):
        with pytest.raises(LeaseHeld, match="held by host-a:1:x"):
            Lease(warehouse, "etl_days", "host-b:2:y", ttl=60, settle=0.01).acquire()
        Lease(warehouse, "other", "host-b:2:y", ttl=60, settle=0.01).release()  # unrelated lock
    short = Lease(warehouse, "etl_days", "host-c:3:z", ttl=0.3, settle=0.01)
    short.acquire()
    short._done.set()  # a crashed holder: no more renewals, no release
    threading.Event().wait(0.6)
    with Lease(warehouse, "etl_days", "host-b:2:y", ttl=60, settle=0.01) as taken:
        assert taken.holder == "host-b:2:y"


def test_a_held_lease_is_renewed_past_its_time_to_live(warehouse: Warehouse) -> None:
    # A run longer than the lease's ttl keeps it: the heartbeat renews it every third of the ttl.
    with Lease(warehouse, "etl_days", "long-run", ttl=1.5, settle=0.01):
        threading.Event().wait(2.5)
        with pytest.raises(LeaseHeld, match="held by long-run"):
            Lease(warehouse, "etl_days", "next", ttl=60, settle=0.01).acquire()


class LeaseView:
    """The warehouse as a lease uses it (commands and rows); subclasses change its takes."""

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse

    def command(self, sql: str, params: dict | None = None) -> None:
        self.warehouse.command(sql, params)

    def rows(self, sql: str, params: dict | None = None) -> list[dict]:
        return self.warehouse.rows(sql, params)


class SlowTakes(LeaseView):
    """The warehouse, but its lease inserts take `seconds` to become visible (a loaded server)."""

    def __init__(self, warehouse: Warehouse, seconds: float) -> None:
        super().__init__(warehouse)
        self.seconds = seconds

    def command(self, sql: str, params: dict | None = None) -> None:
        if sql == lease_module.TAKE_SQL:  # now64() is fixed when the statement starts
            sql = f"{sql} FROM system.one WHERE sleep({self.seconds}) = 0"
        self.warehouse.command(sql, params)


def test_a_take_slower_than_the_settle_time_wins_only_alone(warehouse: Warehouse) -> None:
    # A asks first, but its row is visible only after B has read back and won: A must not
    # also find itself first when it reads.
    outcomes: dict[str, str] = {}

    def contend(name: str, through: object) -> None:
        lease = Lease(through, "etl_days", name, ttl=60, settle=0.3)  # type: ignore[arg-type]
        try:
            lease.acquire()
        except LeaseHeld as held:
            outcomes[name] = f"lost: {held}"
            return
        outcomes[name] = "won"
        threading.Event().wait(1.5)  # hold it while the other reads
        lease.release()

    slow = threading.Thread(target=contend, args=("slow", SlowTakes(warehouse, 0.9)))
    slow.start()
    threading.Event().wait(0.1)
    contend("quick", warehouse)
    slow.join()
    assert outcomes["quick"] == "won"
    assert outcomes["slow"] == "lost: etl_days is held by quick"
    alone = Lease(SlowTakes(warehouse, 0.9), "etl_days", "slow", ttl=60, settle=0.3)  # type: ignore[arg-type]
    alone.acquire()  # with no rival, a slow take still wins
    alone.release()


RIVAL_TAKE_SQL = """
INSERT INTO etl.job_locks (lock_name, token, holder, acquired_at, expires_at, released)
SELECT {lock_name:String}, 'ffffffff-ffff-4fff-bfff-ffffffffffff', 'rival',
    now64(3, 'UTC') - toIntervalSecond(1), now64(3, 'UTC') + toIntervalSecond(60), 0
"""


class EarlierRival(LeaseView):
    """The warehouse, but a rival's take, made a second before ours, lands along with ours."""

    def command(self, sql: str, params: dict | None = None) -> None:
        self.warehouse.command(sql, params)
        if sql == lease_module.TAKE_SQL:
            self.warehouse.command(RIVAL_TAKE_SQL, params)


def test_the_earliest_take_wins_whatever_its_token(warehouse: Warehouse) -> None:
    # The rival's token sorts after every other: only its earlier time makes it the holder.
    late = Lease(EarlierRival(warehouse), "etl_days", "late", ttl=60, settle=0.01)  # type: ignore[arg-type]
    with pytest.raises(LeaseHeld, match="held by rival"):
        late.acquire()


def test_catch_up_is_limited_to_the_newest_slots(warehouse: Warehouse) -> None:
    ran: list[int] = []
    spec = JobSpec("hourly", Every(3600), lambda w, slot: ran.append(slot.hour) or "")
    clock = Clock(START)
    options = SchedulerOptions(max_catchup_slots=3, lease_settle_seconds=0.01)
    scheduler = Scheduler(warehouse, [spec], options, now=clock)
    scheduler.tick()
    clock.advance(hours=6)
    scheduler.tick()
    assert ran == [10, 14, 15, 16]


def test_leases_of_dead_processes_are_released_at_start(warehouse: Warehouse) -> None:
    import os
    import socket

    here = socket.gethostname()
    crashed = Lease(warehouse, "etl_days", f"{here}:999999999:dead", ttl=600, settle=0.01)
    crashed.acquire()
    crashed._done.set()  # it died: no heartbeat, no release
    elsewhere = Lease(warehouse, "snapshot", "other-host:1:x", ttl=600, settle=0.01)
    elsewhere.acquire()
    elsewhere._done.set()
    ours = Lease(warehouse, "reconcile", f"{here}:{os.getpid()}:mine", ttl=600, settle=0.01)
    ours.acquire()

    released = release_dead_holders(warehouse, embedded=False)
    assert released == [f"{here}:999999999:dead"]
    freed = Lease(warehouse, "etl_days", "next", ttl=60, settle=0.01)
    freed.acquire()  # free again
    with pytest.raises(LeaseHeld):
        Lease(warehouse, "snapshot", "next", ttl=60, settle=0.01).acquire()
    with pytest.raises(LeaseHeld):
        Lease(warehouse, "reconcile", "next", ttl=60, settle=0.01).acquire()
    # On the embedded engine only Loupe processes reach the warehouse: a running process that is
    # not Loupe (pid 1 here) reused a dead holder's pid, so its lease is dead too. Ours stays.
    restarted = Lease(warehouse, "history", f"{here}:1:before-restart", ttl=600, settle=0.01)
    restarted.acquire()
    restarted._done.set()
    assert release_dead_holders(warehouse, embedded=False) == []
    assert release_dead_holders(warehouse, embedded=True) == [f"{here}:1:before-restart"]
    with pytest.raises(LeaseHeld):
        Lease(warehouse, "reconcile", "next", ttl=60, settle=0.01).acquire()
    freed.release()  # stops its heartbeat, which would outlive the warehouse
    ours.release()


def test_options_default_to_the_settings_and_read_them() -> None:
    assert SchedulerOptions() == SchedulerOptions.from_settings(Settings.model_construct())
    configured = Settings(scheduler_interval_seconds=600, scheduler_nightly_at="03:15")
    options = SchedulerOptions.from_settings(configured)
    assert (options.interval_seconds, options.nightly_hour_minute) == (600, (3, 15))
    assert options.with_overrides(interval_seconds=None, retries=0).retries == 0
