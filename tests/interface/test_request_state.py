"""What a request does not ask the engine again: statements parsed once per user, database and
settings (`Parsed`), a connection's database, settings and time zone kept by the interface
(context.py), and the guard's catalog facts read in one statement. Each test checks that what is
kept never stands for what changed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import chdb
import pytest

from loupe.interface.guard import Reader, ReaderGuard
from loupe.interface.protocol import ClickHouseError
from loupe.interface.statement import Parsed, analyze
from loupe.warehouse import Warehouse
from loupe.warehouse.embedded import ENGINE_OPTIONS
from tests.helpers.interface import Served


class Counting:
    """A real engine connection that counts the statements it runs."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.statements = 0

    def query(self, *args: Any, **kwargs: Any) -> Any:
        self.statements += 1
        return self.connection.query(*args, **kwargs)


@pytest.fixture
def engine(warehouse: Warehouse) -> Iterator[Counting]:
    connection = chdb.connect(f"{warehouse.data_dir}?{ENGINE_OPTIONS}")  # type: ignore[attr-defined]
    try:
        yield Counting(connection)
    finally:
        connection.close()


def test_a_statement_is_parsed_once_per_context(engine: Counting) -> None:
    parsed = Parsed()
    reader = ("reader", "dwh", (), None)
    first = parsed.analyze(engine, "SELECT {n:UInt8} + 1", {"n": "1"}, reader)
    after_first = engine.statements
    assert parsed.analyze(engine, "SELECT {n:UInt8} + 1", {"n": "1"}, reader) == first
    assert engine.statements == after_first
    for params, context in (
        ({"n": "2"}, reader),
        ({"n": "1"}, ("admin", "dwh", (), None)),
        ({"n": "1"}, ("reader", "default", (), None)),
        ({"n": "1"}, ("reader", "dwh", (("max_threads", "1"),), None)),
        ({"n": "1"}, ("reader", "dwh", (), 7)),
    ):
        before = engine.statements
        parsed.analyze(engine, "SELECT {n:UInt8} + 1", params, context)
        assert engine.statements > before, (params, context)
    assert len(parsed) == 6


def test_refused_statements_are_not_kept_and_the_oldest_go_first(engine: Counting) -> None:
    parsed = Parsed(size=2)
    for _ in range(2):
        with pytest.raises(ClickHouseError) as refused:
            parsed.analyze(engine, "SELECT 1; SELECT 2", {}, None)
        assert refused.value.code == 62
    assert len(parsed) == 0
    for sql in ("SELECT 1", "SELECT 2", "SELECT 3"):
        parsed.analyze(engine, sql, {}, None)
    assert len(parsed) == 2
    before = engine.statements
    parsed.analyze(engine, "SELECT 3", {}, None)
    assert engine.statements == before
    parsed.analyze(engine, "SELECT 1", {}, None)
    assert engine.statements > before


@pytest.mark.slow
def test_the_guard_checks_every_request_against_the_catalog_as_it_is(served: Served) -> None:
    admin = served.client()
    table = f"dwh.interface_swapped_{uuid.uuid4().hex[:8]}"
    admin.command(f"CREATE TABLE {table} (email String) ENGINE = MergeTree ORDER BY email")
    sql = f"SELECT count() FROM {table}"
    assert served.post(sql).text == "0\n"
    admin.command(f"DROP TABLE {table}")
    admin.command(f"CREATE VIEW {table} AS SELECT email FROM pd.interface_people")
    assert served.post(sql).status_code == 403
    people = "SELECT count() FROM pd.interface_people"
    assert served.post(people, user="admin").text == "1\n"
    assert served.post(people).status_code == 403  # the admin's parse is not the reader's


@pytest.mark.slow
def test_session_database_and_settings_after_the_clients_own_use_and_set(served: Served) -> None:
    session = f"s-{uuid.uuid4().hex}"
    ask = "SELECT currentDatabase(), getSetting('max_block_size')"
    first = served.post(ask, session_id=session, database="dwh", max_block_size="1000")
    assert first.text == "dwh\t1000\n"
    served.post("USE system", session_id=session)
    served.post("SET max_block_size = 5000", session_id=session)
    again = served.post(ask, session_id=session, database="dwh", max_block_size="1000")
    assert again.text == "dwh\t1000\n"
    assert served.post(ask, session_id=session).text == "dwh\t1000\n"


@pytest.mark.slow
def test_timezone_header_follows_session_timezone(served: Served) -> None:
    session = f"s-{uuid.uuid4().hex}"
    tokyo = served.post("SELECT 1", session_id=session, session_timezone="Asia/Tokyo")
    assert tokyo.headers["X-ClickHouse-Timezone"] == "Asia/Tokyo"
    assert served.post("SELECT 1", session_id=session).headers["X-ClickHouse-Timezone"] == (
        "Asia/Tokyo"
    )
    default = served.post("SELECT timezone()").text.strip()
    assert served.post("SELECT 1").headers["X-ClickHouse-Timezone"] == default


def test_the_guard_reads_the_catalog_in_one_statement(engine: Counting) -> None:
    for sql in (
        "CREATE TABLE dwh.guard_a (n UInt8) ENGINE = Memory",
        "CREATE TABLE dwh.`guard-b` (n UInt8) ENGINE = Memory",
        "CREATE TABLE pd.guard_secret (email String) ENGINE = Memory",
        "CREATE VIEW dwh.guard_view AS SELECT email FROM pd.guard_secret",
    ):
        engine.query(sql)
    guard = ReaderGuard(engine)
    reader = Reader("reader", ("dwh",))

    def statements(sql: str) -> int:
        statement = analyze(engine.connection, sql)
        before = engine.statements
        guard.check(reader, statement, "dwh")
        return engine.statements - before

    assert statements("SELECT * FROM dwh.guard_a AS a, guard_a AS b WHERE n IN dwh.guard_a") == 1
    assert statements("SELECT * FROM dwh.`guard-b`") == 2  # not a plain name: on its own
    for refused in (
        "SELECT * FROM dwh.guard_view",
        "SELECT 1 WHERE 'x' IN pd.guard_secret",
        "SELECT * FROM dwh.guard_a WHERE n IN (SELECT length(email) FROM pd.guard_secret)",
    ):
        with pytest.raises(ClickHouseError) as denied:
            guard.check(reader, analyze(engine.connection, refused), "dwh")
        assert denied.value.code == 497, refused
