"""`loupe forget --user`: a simulated week of the shop, built and snapshotted, loses every trace
of one customer, keeps everyone else's rows as they were, and does not get them back from a
rebuild of the week nor from a new snapshot of the production database (which still holds them)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from loupe.cli import app
from loupe.history.run import snapshot_each_commit, take_snapshot
from loupe.ingest.files import ingest_files
from loupe.ingest.writer import open_writer
from loupe.jobs.run import build_day, build_days, days_between
from loupe.privacy.erasure import forget
from loupe.schema.ddl import DDL
from loupe.schema.migrate import migrate
from loupe.settings import Settings, load_settings
from loupe.warehouse import Warehouse, open_warehouse
from tests.helpers.calls import DAY, api_call, load
from tests.helpers.carts import add, login, moment
from tests.helpers.privacy import Person, checksums, traces
from tests.helpers.simulation import simulate

FIRST = date(2026, 11, 16)
DAYS = 7
LAST = FIRST + timedelta(days=DAYS - 1)
runner = CliRunner()

# A customer with orders, favorites and cart history, who logged in with their email.
CUSTOMER_SQL = """
SELECT o.user_id AS user_id FROM dwh.orders AS o
WHERE o.user_id IN (SELECT user_id FROM history.favorites_versions)
  AND o.user_id IN (SELECT assumeNotNull(user_id) FROM history.cart_versions
                    WHERE user_id IS NOT NULL)
  AND o.user_id IN (SELECT JSONExtractUInt(response, 'user_id') FROM pd.api_calls
                    WHERE endpoint = '/api/v1/auth/login' AND status = 200)
GROUP BY o.user_id ORDER BY count() DESC, o.user_id LIMIT 1
"""
SESSIONS_SQL = """
SELECT DISTINCT session_id FROM (
    SELECT session_id FROM pd.api_calls WHERE user_id = {user:UInt64}
    UNION ALL SELECT session_id FROM history.cart_versions WHERE user_id = {user:Int64}
    UNION ALL SELECT session_id FROM dwh.orders WHERE user_id = {user:Int64}
) ORDER BY session_id
"""
EMAIL_HASHES_SQL = """
SELECT DISTINCT JSONExtractString(request, 'email') AS hash FROM pd.api_calls
WHERE JSONExtractUInt(response, 'user_id') = {user:UInt64} AND JSONHas(request, 'email')
"""


def cli(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args), prog_name="loupe")
    assert result.exit_code == code, result.output
    return result.output


def build_week(settings: Settings, base: Path) -> None:
    """Simulate the week (history snapshotted as of each commit, the copies after the run),
    ingest its calls, build every day."""
    with open_warehouse(settings) as warehouse:
        migrate(warehouse, DDL())
        simulate(
            base / "sim",
            db_url=settings.production_url.get_secret_value(),
            on_commit=snapshot_each_commit(settings, warehouse),
            days=DAYS,
            start=FIRST,
            visits_per_day=800,
            # A draw with two customers who left a cart, favorited, logged in and ordered in
            # the week (one in three draws of this size has none).
            seed=5,
        )
        take_snapshot(settings, warehouse)  # the copies (dwh.orders) after the run
        with open_writer(settings, warehouse) as writer:
            ingest_files(sorted((base / "sim" / "out").glob("calls-*")), writer)
        build_days(warehouse, settings, days_between(FIRST, LAST))


def customer(warehouse: Warehouse) -> tuple[Person, list[int]]:
    user = warehouse.scalar(CUSTOMER_SQL)
    assert user, "the simulated week has a customer with orders, favorites and a cart"
    sessions = [row["session_id"] for row in warehouse.rows(SESSIONS_SQL, {"user": user})]
    hashes = [row["hash"] for row in warehouse.rows(EMAIL_HASHES_SQL, {"user": user})]
    assert hashes and all(h.startswith("h:") for h in hashes)
    orders = [r["id"] for r in warehouse.rows(f"SELECT id FROM dwh.orders WHERE user_id = {user}")]
    return Person([user], sessions, hashes), orders


@pytest.fixture
def week(loupe_env: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("LOUPE_PRODUCTION_URL", f"sqlite:///{loupe_env / 'sim' / 'shop.sqlite'}")
    settings = load_settings()
    build_week(settings, loupe_env)
    return settings


@pytest.mark.slow
def test_forget_a_customer_leaves_no_trace_and_keeps_the_others(
    week: Settings, loupe_env: Path
) -> None:
    with open_warehouse(week) as warehouse:
        person, orders = customer(warehouse)
        found = traces(warehouse, person)
        assert {"pd.api_calls.session_id", "dwh.sessions.user_id", "dwh.orders.user_id",
                "history.cart_versions.user_id", "history.favorites_versions.user_id",
                "etl.visitors.key"} <= found.keys()  # fmt: skip
        before = checksums(warehouse, person.sessions, orders)
        funnel_before = warehouse.scalar("SELECT sum(visits) FROM dwh.daily_funnel")

    output = cli("forget", "--user", str(person.users[0]))
    assert output.startswith("erased user h:")
    assert "pd.api_calls" in output and "history.favorites_versions" in output

    with open_warehouse(week) as warehouse:
        assert traces(warehouse, person) == {}
        assert checksums(warehouse, person.sessions, orders) == before
        visits = warehouse.scalar(
            "SELECT count() FROM dwh.sessions WHERE NOT is_bot"
        )  # the rollups were rebuilt without the customer's visits
        assert warehouse.scalar("SELECT sum(visits) FROM dwh.daily_funnel") == visits
        assert visits < funnel_before
        record = warehouse.rows("SELECT * FROM privacy.erasures")
        assert len(record) == 1 and record[0]["kind"] == "user"
        assert record[0]["key_hash"].startswith("h:")
        assert dict(record[0]["rows_removed"])["pd.api_calls"] > 0
        assert warehouse.scalar("SELECT count() FROM privacy.erased_keys") == 1 + len(
            person.sessions
        )

    # A rebuild of the week and a new snapshot of the production database (still holding the
    # customer) bring nothing back.
    cli("etl", "run", "--from", str(FIRST), "--to", str(LAST))
    cli("snapshot", "--full")
    with open_warehouse(week) as warehouse:
        assert traces(warehouse, person) == {}
        assert checksums(warehouse, person.sessions, orders) == before


@pytest.mark.slow
def test_ingest_after_forget_drops_the_erased_persons_records(loupe_env: Path) -> None:
    cli("init")
    mine = [
        api_call(event_id=f"00000000-0000-4000-8000-00000000000{n}", session_id="s-ann", user_id=7)
        for n in (1, 2)
    ]
    calls = loupe_env / "calls.ndjson"
    calls.write_bytes(b"\n".join(orjson.dumps(record) for record in mine) + b"\n")
    cli("ingest", str(calls))
    assert "erased user" in cli("forget", "--user", "7")
    later = [
        api_call(event_id="00000000-0000-4000-8000-000000000011", session_id="s-ann"),
        api_call(event_id="00000000-0000-4000-8000-000000000012", session_id="s-x", user_id=7),
        api_call(event_id="00000000-0000-4000-8000-000000000013", session_id="s-bob"),
    ]
    calls.write_bytes(b"\n".join(orjson.dumps(record) for record in later) + b"\n")
    output = cli("ingest", str(calls))
    assert "3 records: 1 new, 0 already present, 0 rejected, 2 dropped (erased persons)" in output
    with open_warehouse(load_settings()) as warehouse:
        stored = warehouse.rows("SELECT session_id FROM pd.api_calls")
        assert stored == [{"session_id": "s-bob"}]


CART_KEYS = """
SELECT groupUniqArray(cart_key) FROM (
    SELECT cart_key FROM dwh.carts UNION ALL SELECT cart_key FROM etl.carts
    UNION ALL SELECT cart_key FROM dwh.cart_events UNION ALL SELECT cart_key FROM etl.cart_events
    UNION ALL SELECT cart_key FROM etl.cart_lines UNION ALL SELECT target FROM etl.cart_lines
)
"""


def test_forget_erases_the_carts_of_a_session_and_of_a_user(
    warehouse: Warehouse, settings: Settings
) -> None:
    """A guest's cart key holds their session id, a customer's their user id: `--session` and
    `--user` erase them from the cart tables (a guest cart that moved into a customer's goes
    with the customer)."""
    load(warehouse, [
        add(moment(10), "g", 1, 1, 1, 100), login(moment(10, 5), "g", 5),
        add(moment(11), "h", 2, 1, 1, 50),
        add(moment(12), "k", 3, 1, 1, 70),
    ])  # fmt: skip
    build_day(warehouse, settings, DAY)
    assert sorted(warehouse.scalar(CART_KEYS)) == ["", "s:g", "s:h", "s:k", "u:5"]
    # Matched by cart key (dwh.carts has no session id), before the day is rebuilt.
    report = forget(warehouse, settings, session="h")
    assert report.rows["dwh.carts"] == 1 and report.rows["etl.cart_lines"] == 1
    assert sorted(warehouse.scalar(CART_KEYS)) == ["", "s:g", "s:k", "u:5"]
    report = forget(warehouse, settings, user="5")
    assert report.rows["dwh.carts"] == 1 and report.rows["etl.cart_lines"] == 2
    assert sorted(warehouse.scalar(CART_KEYS)) == ["", "s:k"]
    assert warehouse.scalar("SELECT groupArray(cart_key) FROM dwh.carts") == ["s:k"]
