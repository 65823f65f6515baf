"""`run_simulation`: days of shop traffic, in arrival order, with its truth and production DB.

Visits are generated in start order, one day after another; a call's arrival time is its `ts`,
except for the late ones (minutes to hours later, a few more than 6 hours later). Calls wait in a
heap keyed by arrival until no visit still to come can arrive before them, then go out in order.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson

from loupe.simulate.behaviour import VisitSimulator
from loupe.simulate.catalog import build_catalog, reprice, restock
from loupe.simulate.listing import Listings
from loupe.simulate.options import SimulationOptions, SimulationSummary
from loupe.simulate.outputs import CallOutput
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
_HOUR_MS = 3_600_000
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
) -> SimulationSummary:
    """Generate the run's traffic into `output`, its truth files and its production database.

    `progress(visits_done, visits_total)` is called now and then; `on_day_done(date)` after
    each day's database changes are committed (e.g. to snapshot the database). A database
    that already has tables is refused (`DatabaseNotEmptyError`) unless `options.replace_db`.
    """
    if options.db_url and not options.replace_db:
        # Before anything is written: a refused run leaves the database and the files alone.
        tables = existing_tables(options.db_url)
        if tables:
            raise DatabaseNotEmptyError(refuse_tables(options.db_url, tables))
    zone = ZoneInfo(options.timezone)
    days = [options.start + timedelta(days=n) for n in range(options.days)]
    run_start_ms = local_midnight_ms(days[0], zone)
    items = build_catalog(options.items, random.Random(f"{options.seed}:catalog"))
    shop = ShopState(items, existing_users(options, run_start_ms), run_start_ms - 30 * _DAY_MS)
    listings = Listings(items)
    simulator = VisitSimulator(shop, listings, options.server_error_rate)
    pool = VisitorPool(len(shop.users))
    emitter = _Emitter(options, output)
    truth_dir = options.truth_dir or Path(".loupe/truth") / f"seed-{options.seed}"
    truth = TruthWriter(truth_dir, zone)
    database = ShopDatabase(options.db_url) if options.db_url else None
    summary = SimulationSummary(truth_dir=truth_dir, days=options.days)
    summary.db_url = redact(options.db_url) if options.db_url else None

    plans = []
    for day in days:
        day_rng = random.Random(f"{options.seed}:day:{day.isoformat()}")
        count = visits_on(day, options.visits_per_day, day_rng)
        plans.append((day, day_rng, visit_starts(day, count, zone, day_rng)))
    total_visits = sum(len(starts) for _, _, starts in plans)
    try:
        if database is not None:
            database.create(replace=options.replace_db)
            database.write(shop.drain())
        for index, (day, day_rng, starts) in enumerate(plans):
            day_start_ms = local_midnight_ms(day, zone)
            truth.add_day(day.isoformat())
            if index:
                _overnight_changes(shop, listings, day_rng, day_start_ms)
            simulator.rng = day_rng
            emitter.rng = random.Random(f"{options.seed}:arrival:{day.isoformat()}")
            for start_ms in starts:
                emitter.release_before(start_ms)
                is_bot = day_rng.random() < options.bot_share
                visitor = pool.pick(day_rng, start_ms, is_bot)
                v = simulator.visit(visitor, start_ms)
                pool.finished(visitor, v.now_ms)
                visit = truth.add_visit(v.records, v.stamps[0], visitor.agent.device_type)
                summary.orders += visit["orders"]
                summary.revenue += visit["revenue"]
                dumps, add = orjson.dumps, emitter.add
                for record, ts_ms in zip(v.records, v.stamps):
                    add(dumps(record), ts_ms)
                summary.distinct_calls += len(v.records)
                summary.visits += 1
                if progress is not None and summary.visits % _PROGRESS_EVERY == 0:
                    progress(summary.visits, total_visits)
            if database is not None:
                database.write(shop.drain())
            if on_day_done is not None:
                on_day_done(day.isoformat())
        emitter.release_all()
    finally:
        truth.close_files()
        output.close()
        if database is not None:
            database.close()
    summary.calls, summary.duplicates, summary.late_calls = (
        emitter.calls,
        emitter.duplicates,
        emitter.late,
    )
    files = getattr(output, "files", None)
    summary.files = list(files) if files else []
    truth.finish(_run_info(options, summary))
    if progress is not None:
        progress(summary.visits, total_visits)
    return summary


def _overnight_changes(shop: ShopState, listings: Listings, rng: random.Random, at_ms: int) -> None:
    """Repricing and restocks between two days (at the new day's local midnight)."""
    repriced = reprice(shop.items, rng)
    shop.mark_prices(repriced, at_ms)
    restocked = restock(shop.items, rng)
    shop.mark_stock([item for item, _ in restocked], at_ms)
    if repriced:
        listings.invalidate()


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
