"""`run_simulation`: days of shop traffic, in arrival order, with its truth and production DB.

Visits are generated in start order, one day after another; a call's arrival time is its `ts`,
except for the late ones (minutes to hours later, a few more than 6 hours later). Calls wait in a
heap keyed by arrival until no visit still to come can arrive before them, then go out in order.

The production database is written at least hourly in simulated time: before the first visit
that starts in a new hour, the changes of every visit started before it are committed, as of the
latest change simulated so far (so a commit never predates a change it holds), and
`on_commit(instant)` is told (e.g. to snapshot history as of that instant). Items are repriced
and restocked overnight (the truth lists each price change at the instant of the commit that
wrote it), and a delivery restocks the ones running low at 13:00 each day.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson

from loupe.simulate.behaviour import VisitSimulator
from loupe.simulate.bots import BotSimulator, BotVisit, plan_bot_visits
from loupe.simulate.catalog import build_catalog, reprice, restock
from loupe.simulate.listing import Listings
from loupe.simulate.options import SimulationOptions, SimulationSummary
from loupe.simulate.outputs import CallOutput
from loupe.simulate.recorder import VisitRecorder
from loupe.simulate.seasonality import local_midnight_ms, visit_starts, visits_on
from loupe.simulate.shopdb import (
    DatabaseNotEmptyError,
    ShopDatabase,
    existing_tables,
    redact,
    refuse_tables,
)
from loupe.simulate.shopstate import ShopState, User
from loupe.simulate.truth import TruthWriter
from loupe.simulate.visitors import VisitorPool

ProgressCallback = Callable[[int, int], None]
DayCallback = Callable[[str], None]
CommitCallback = Callable[[datetime], None]
_HOUR_MS = 3_600_000
_DELIVERY_HOUR = 13
_DAY_MS = 24 * _HOUR_MS
_PROGRESS_EVERY = 500


def existing_users(options: SimulationOptions, created_before_ms: int) -> list[User]:
    """Customers registered before the run: ids 1..N."""
    rng = random.Random(f"{options.seed}:users")
    count = max(100, options.visits_per_day * 2)
    users = []
    for user_id in range(1, count + 1):
        created = created_before_ms - rng.randint(1, 700) * _DAY_MS - rng.randint(0, _DAY_MS)
        users.append(User(user_id, f"user{user_id}@example.com", created, None))
    return users


class _Emitter:
    """Arrival order: decides duplicates and lateness, and releases calls when it is safe."""

    def __init__(self, options: SimulationOptions, output: CallOutput) -> None:
        self.options = options
        self.output = output
        self.heap: list[tuple[int, int, bytes]] = []
        self.sequence = 0
        self.rng = random.Random(0)
        self.calls = self.duplicates = self.late = 0

    def add(self, line: bytes, ts_ms: int) -> None:
        rng, options = self.rng, self.options
        roll = rng.random()
        received = ts_ms
        if roll < options.very_late_rate:
            received += rng.randint(6 * _HOUR_MS + 1, 30 * _HOUR_MS)
            self.late += 1
        elif roll < options.very_late_rate + options.late_rate:
            received += rng.randint(60_000, 5 * _HOUR_MS)
            self.late += 1
        self._push(received, line)
        if rng.random() < options.duplicate_rate:
            self._push(received + rng.randint(50, 600_000), line)
            self.duplicates += 1

    def _push(self, received: int, line: bytes) -> None:
        self.sequence += 1
        heapq.heappush(self.heap, (received, self.sequence, line))

    def release_before(self, ms: int) -> None:
        """Send every call that arrives before `ms` (no later visit can arrive earlier)."""
        heap, write = self.heap, self.output.write
        while heap and heap[0][0] < ms:
            received, _, line = heapq.heappop(heap)
            write(line, received)
            self.calls += 1

    def release_all(self) -> None:
        self.release_before(1 << 62)


def run_simulation(
    options: SimulationOptions,
    output: CallOutput,
    progress: ProgressCallback | None = None,
    on_day_done: DayCallback | None = None,
    on_commit: CommitCallback | None = None,
) -> SimulationSummary:
    """Generate the run's traffic into `output`, its truth files and its production database.

    `progress(visits_done, visits_total)` is called now and then; `on_commit(instant)` after
    each commit of database changes (at least hourly in simulated time; `instant` is UTC and
    grows strictly from one commit to the next), `on_day_done(date)` after each day's last
    commit. A database that already has tables is refused (`DatabaseNotEmptyError`) unless
    `options.replace_db`.
    """
    if options.db_url and not options.replace_db:
        # Before anything is written: a refused run leaves the database and the files alone.
        _refuse_a_database_with_tables(options.db_url)
    run = _Simulation(options, output, progress, on_commit)
    try:
        run.create_database()
        for index, plan in enumerate(run.plans):
            run.simulate_day(plan, overnight=index > 0)
            if on_day_done is not None:
                on_day_done(plan.day.isoformat())
        run.emitter.release_all()
    finally:
        run.close()
    return run.finish()


def _refuse_a_database_with_tables(db_url: str) -> None:
    """Raise `DatabaseNotEmptyError` if the database at `db_url` already has tables."""
    tables = existing_tables(db_url)
    if tables:
        raise DatabaseNotEmptyError(refuse_tables(db_url, tables))


@dataclass(frozen=True)
class _DayPlan:
    """One simulated day: its random stream, the start times of its people's and crawlers'
    visits, and its behaviour bots' visits (from their own stream)."""

    day: date
    rng: random.Random
    starts: list[int]
    bots: list[BotVisit]


def _plan_days(options: SimulationOptions, zone: ZoneInfo) -> list[_DayPlan]:
    """Each day of the run with its visit start times (drawn from the day's own stream)."""
    plans = []
    for n in range(options.days):
        day = options.start + timedelta(days=n)
        day_rng = random.Random(f"{options.seed}:day:{day.isoformat()}")
        count = visits_on(day, options.visits_per_day, day_rng)
        bot_rng = random.Random(f"{options.seed}:bots:{day.isoformat()}")
        bots = plan_bot_visits(local_midnight_ms(day, zone), options.visits_per_day, bot_rng)
        plans.append(_DayPlan(day, day_rng, visit_starts(day, count, zone, day_rng), bots))
    return plans


class _Simulation:
    """One run's moving parts: the shop, its visitors, the arrival order, truth and database."""

    def __init__(
        self,
        options: SimulationOptions,
        output: CallOutput,
        progress: ProgressCallback | None,
        on_commit: CommitCallback | None = None,
    ) -> None:
        self.options, self.output, self.progress = options, output, progress
        self.on_commit = on_commit
        self.zone = zone = ZoneInfo(options.timezone)
        run_start_ms = local_midnight_ms(options.start, zone)
        items = build_catalog(options.items, random.Random(f"{options.seed}:catalog"))
        # The time of the latest change simulated so far (the first: the shop as it was before
        # the run, its catalog and stock written 30 days earlier), and of the latest commit.
        self.clock_ms = run_start_ms - 30 * _DAY_MS
        self.committed_ms = 0
        self.next_commit_ms = run_start_ms
        self.delivery_ms: int | None = None
        # Price changes not committed yet: (item id, price before, price after).
        self.price_changes: list[tuple[int, int, int]] = []
        self.shop = ShopState(items, existing_users(options, run_start_ms), self.clock_ms)
        self.listings = Listings(items)
        self.simulator = VisitSimulator(self.shop, self.listings, options.server_error_rate)
        self.bots = BotSimulator(self.shop, self.listings, options.server_error_rate)
        self.pool = VisitorPool(len(self.shop.users), random.Random(f"{options.seed}:addresses"))
        self.emitter = _Emitter(options, output)
        truth_dir = options.truth_dir or Path(".loupe/truth") / f"seed-{options.seed}"
        self.truth = TruthWriter(truth_dir, zone)
        self.database = ShopDatabase(options.db_url) if options.db_url else None
        self.summary = SimulationSummary(truth_dir=truth_dir, days=options.days)
        self.summary.db_url = redact(options.db_url) if options.db_url else None
        self.plans = _plan_days(options, zone)
        self.total_visits = sum(len(plan.starts) + len(plan.bots) for plan in self.plans)

    def create_database(self) -> None:
        """Create the shop's tables and write the shop as it was before the first day."""
        if self.database is not None:
            self.database.create(replace=self.options.replace_db)
            self.commit(self.clock_ms)

    def commit(self, at_ms: int) -> None:
        """Write the changes since the last commit, as of `at_ms` or just after the last commit
        (nothing when nothing changed), and tell `on_commit`."""
        if self.database is None:
            return
        changes = self.shop.drain()
        if not changes:
            return
        self.committed_ms = max(at_ms, self.committed_ms + 1)
        self.database.write(changes)
        self.truth.add_price_changes(self.price_changes, self.committed_ms)
        self.price_changes = []
        if self.on_commit is not None:
            self.on_commit(datetime.fromtimestamp(self.committed_ms / 1000, timezone.utc))

    def deliver(self, now_ms: int) -> None:
        """The day's delivery (items running low restocked) once its hour has come."""
        if self.delivery_ms is None or now_ms < self.delivery_ms:
            return
        day = datetime.fromtimestamp(self.delivery_ms / 1000, self.zone).date().isoformat()
        restocked = restock(self.shop.items, random.Random(f"{self.options.seed}:delivery:{day}"))
        self.shop.mark_stock([item for item, _ in restocked], self.delivery_ms)
        self.clock_ms = max(self.clock_ms, self.delivery_ms)
        self.delivery_ms = None

    def advance(self, now_ms: int) -> None:
        """Before a visit starting at `now_ms`: the day's delivery once its hour has come, and a
        commit once an hour boundary has passed since the last one."""
        self.deliver(now_ms)
        if now_ms >= self.next_commit_ms:
            hour_ms = now_ms - now_ms % _HOUR_MS
            self.commit(max(self.clock_ms, hour_ms))
            self.next_commit_ms = hour_ms + _HOUR_MS

    def simulate_day(self, plan: _DayPlan, overnight: bool) -> None:
        """One day's visits in start order (committed at least hourly), then its last commit."""
        day = plan.day.isoformat()
        self.truth.add_day(day)
        midnight_ms = local_midnight_ms(plan.day, self.zone)
        if overnight:
            self.overnight_changes(plan.rng, midnight_ms)
            self.clock_ms = max(self.clock_ms, midnight_ms)
        self.delivery_ms = midnight_ms + _DELIVERY_HOUR * _HOUR_MS
        self.simulator.rng = plan.rng
        self.bots.rng = random.Random(f"{self.options.seed}:bot-visits:{day}")
        self.emitter.rng = random.Random(f"{self.options.seed}:arrival:{day}")
        bots = iter(plan.bots)
        bot = next(bots, None)
        for start_ms in plan.starts:
            while bot is not None and bot.start_ms < start_ms:
                self.emitter.release_before(bot.start_ms)
                self.advance(bot.start_ms)
                self.simulate_bot(bot)
                bot = next(bots, None)
            self.emitter.release_before(start_ms)
            self.advance(start_ms)
            self.simulate_visit(plan.rng, start_ms)
            visits = self.summary.visits
            if self.progress is not None and visits % _PROGRESS_EVERY == 0:
                self.progress(visits, self.total_visits)
        while bot is not None:
            self.emitter.release_before(bot.start_ms)
            self.advance(bot.start_ms)
            self.simulate_bot(bot)
            bot = next(bots, None)
        self.deliver(midnight_ms + _DAY_MS)
        self.commit(self.clock_ms)

    def overnight_changes(self, rng: random.Random, at_ms: int) -> None:
        """Repricing and restocks between two days (at the new day's local midnight); the
        visitors' picks follow the new prices."""
        repriced = reprice(self.shop.items, rng)
        self.shop.mark_prices([item for item, _ in repriced], at_ms)
        if self.database is not None:  # history sees the changes a commit writes
            self.price_changes += [(i.id, old, i.price) for i, old in repriced if old != i.price]
        restocked = restock(self.shop.items, rng)
        self.shop.mark_stock([item for item, _ in restocked], at_ms)
        if repriced:
            self.listings.invalidate()
            self.simulator.reweigh()

    def simulate_visit(self, rng: random.Random, start_ms: int) -> None:
        """One visit: its calls to the arrival order, its outcome to the truth and summary."""
        is_bot = rng.random() < self.options.bot_share
        visitor = self.pool.pick(rng, start_ms, is_bot)
        v = self.simulator.visit(visitor, start_ms)
        self.pool.finished(visitor, v.now_ms)
        reason = "user_agent" if is_bot else ""
        self._record(v, visitor.agent.device_type, reason)

    def simulate_bot(self, bot: BotVisit) -> None:
        """One visit of a bot with a browser's agent (simulate/bots.py)."""
        v = self.bots.visit(bot)
        self._record(v, bot.agent.device_type, bot.reason)

    def _record(self, v: VisitRecorder, device: str, reason: str) -> None:
        """A visit's calls to the arrival order, its outcome to the truth and summary."""
        visit = self.truth.add_visit(v.records, v.stamps[0], device, v.source, reason)
        for record, ts_ms in zip(reversed(v.records), reversed(v.stamps)):
            if record["method"] != "GET" and record["status"] < 400:
                self.clock_ms = max(self.clock_ms, ts_ms)  # the visit's last change
                break
        summary = self.summary
        summary.orders += visit["orders"]
        summary.revenue += visit["revenue"]
        dumps, add = orjson.dumps, self.emitter.add
        for record, ts_ms in zip(v.records, v.stamps):
            add(dumps(record), ts_ms)
        summary.distinct_calls += len(v.records)
        summary.visits += 1

    def close(self) -> None:
        """Close the truth files, the output and the database (also after a failure)."""
        self.truth.close_files()
        self.output.close()
        if self.database is not None:
            self.database.close()

    def finish(self) -> SimulationSummary:
        """Complete the summary with the emitted counts and files, and write the run's info."""
        summary, emitter = self.summary, self.emitter
        summary.calls, summary.duplicates = emitter.calls, emitter.duplicates
        summary.late_calls = emitter.late
        files = getattr(self.output, "files", None)
        summary.files = list(files) if files else []
        self.truth.write_carts(self.shop.episodes.all())
        self.truth.finish(_run_info(self.options, summary))
        if self.progress is not None:
            self.progress(summary.visits, self.total_visits)
        return summary


def _run_info(options: SimulationOptions, summary: SimulationSummary) -> dict:
    return {
        "options": {
            "days": options.days,
            "start": options.start.isoformat(),
            "visits_per_day": options.visits_per_day,
            "seed": options.seed,
            "timezone": options.timezone,
            "items": options.items,
            "duplicate_rate": options.duplicate_rate,
            "late_rate": options.late_rate,
            "very_late_rate": options.very_late_rate,
            "bot_share": options.bot_share,
            "server_error_rate": options.server_error_rate,
        },
        "visits": summary.visits,
        "distinct_calls": summary.distinct_calls,
        "emitted_calls": summary.calls,
        "duplicates": summary.duplicates,
        "late_calls": summary.late_calls,
        "orders": summary.orders,
        "revenue": summary.revenue,
    }
