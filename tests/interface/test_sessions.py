"""Sessions (`session_id`, `session_timeout`, `session_check`) keep SET values and temporary
tables between requests, as on a server; requests without one share nothing."""

from __future__ import annotations

import pytest

from tests.helpers.interface import Served

pytestmark = pytest.mark.slow


def test_clickhouse_connect_session_keeps_a_set(served: Served) -> None:
    client = served.client("reader", session_id="keeps-a-set")
    client.command("SET max_threads = 1")
    assert client.command("SELECT getSetting('max_threads')") == 1
    other = served.client("reader", session_id="another-session")
    assert other.command("SELECT getSetting('max_threads')") != 1


def test_without_a_session_a_set_does_not_persist(served: Served) -> None:
    assert served.post("SET max_threads = 1").status_code == 200
    assert served.post("SELECT getSetting('max_threads')").text != "1\n"


def test_temporary_table_lives_in_its_session(served: Served) -> None:
    session = {"session_id": "temporary-table", "session_timeout": "120"}
    created = served.post("CREATE TEMPORARY TABLE t (x UInt8)", user="admin", **session)
    assert created.status_code == 200, created.text
    served.post("INSERT INTO t VALUES (7)", user="admin", **session)
    assert served.post("SELECT x FROM t", user="admin", **session).text == "7\n"
    elsewhere = served.post("SELECT x FROM t", user="admin")
    assert elsewhere.headers["X-ClickHouse-Exception-Code"] == "60"


def test_session_check_of_an_unknown_session(served: Served) -> None:
    response = served.post("SELECT 1", session_id="never-opened", session_check="1")
    assert response.headers["X-ClickHouse-Exception-Code"] == "372"
    assert response.status_code == 404


def test_sessions_belong_to_their_user(served: Served) -> None:
    served.post("SET max_threads = 3", user="admin", session_id="shared-name")
    as_reader = served.post("SELECT getSetting('max_threads')", session_id="shared-name")
    assert as_reader.text != "3\n"


def test_session_timeout_beyond_the_maximum(served: Served) -> None:
    response = served.post("SELECT 1", session_id="too-long", session_timeout="7200")
    assert response.headers["X-ClickHouse-Exception-Code"] == "36"
