"""ClickHouse's HTTP protocol as clients speak it, against a real `loupe serve`."""

from __future__ import annotations

import io
import json

import pyarrow.parquet as pq
import pytest

from tests.helpers.interface import Served

pytestmark = pytest.mark.slow


def test_root_and_ping_answer_ok_without_credentials(served: Served) -> None:
    assert served.get(user=None).text == "Ok.\n"
    import httpx

    assert httpx.get(f"{served.url}ping").text == "Ok.\n"


def test_get_query_in_url_with_basic_credentials(served: Served) -> None:
    response = served.get(query="SELECT n, label FROM interface_probe ORDER BY n")
    assert response.status_code == 200
    assert response.text == "1\tone\n2\ttwo\n3\tthree\n"
    assert response.headers["X-ClickHouse-Format"] == "TabSeparated"


def test_post_query_in_url_and_body_joined(served: Served) -> None:
    response = served.post("FROM dwh.interface_probe WHERE n = 2", query="SELECT label")
    assert response.text == "two\n"


@pytest.mark.parametrize(
    "how",
    ["user_params", "headers"],
)
def test_credentials_in_url_or_headers(served: Served, how: str) -> None:
    import httpx

    if how == "user_params":
        params = {"user": "reader", "password": "reader-pass-7f3a", "query": "SELECT 42"}
        response = httpx.get(served.url, params=params)
    else:
        headers = {"X-ClickHouse-User": "reader", "X-ClickHouse-Key": "reader-pass-7f3a"}
        response = httpx.get(served.url, params={"query": "SELECT 42"}, headers=headers)
    assert response.text == "42\n"


def test_database_from_param_and_header(served: Served) -> None:
    by_param = served.post("SELECT currentDatabase()", user="admin", database="pd")
    by_header = served.post(
        "SELECT currentDatabase()", user="admin", headers={"X-ClickHouse-Database": "etl"}
    )
    assert (by_param.text, by_header.text) == ("pd\n", "etl\n")


def test_format_from_clause_param_and_header(served: Served) -> None:
    clause = served.post("SELECT 1 AS x FORMAT JSONEachRow")
    param = served.post("SELECT 1 AS x", default_format="CSVWithNames")
    header = served.post("SELECT 1 AS x", headers={"X-ClickHouse-Format": "TSVWithNames"})
    assert (clause.text, param.text, header.text) == ('{"x":1}\n', '"x"\n1\n', "x\n1\n")
    assert clause.headers["X-ClickHouse-Format"] == "JSONEachRow"
    assert param.headers["X-ClickHouse-Format"] == "CSVWithNames"


def test_statement_without_result_sends_no_format_header(served: Served) -> None:
    response = served.post("SET max_threads = 1", headers={"X-ClickHouse-Format": "Native"})
    assert response.status_code == 200
    assert "X-ClickHouse-Format" not in response.headers
    assert response.content == b""


def test_server_headers(served: Served) -> None:
    response = served.post("SELECT number FROM numbers(5)", query_id="my-query-1")
    assert response.headers["X-ClickHouse-Query-Id"] == "my-query-1"
    assert response.headers["X-ClickHouse-Timezone"]
    summary = json.loads(response.headers["X-ClickHouse-Summary"])
    assert summary["result_rows"] == "5"


def test_client_parameters_a_server_accepts(served: Served) -> None:
    response = served.post(
        "SELECT timezone()", role="reader", quota_key="bi", session_timezone="Europe/Paris",
        client_protocol_version="54405", wait_end_of_query="1",
    )  # fmt: skip
    assert response.text == "Europe/Paris\n"
    assert response.headers["X-ClickHouse-Timezone"] == "Europe/Paris"


def test_query_parameters_bound(served: Served) -> None:
    response = served.post("SELECT label FROM interface_probe WHERE n = {n:UInt32}", param_n="3")
    assert response.text == "three\n"


def test_native_and_arrow_through_clickhouse_connect(served: Served) -> None:
    client = served.client("reader")
    assert client.query("SELECT n, label FROM interface_probe ORDER BY n").result_rows[0] == (
        1,
        "one",
    )
    table = client.query_arrow("SELECT n FROM interface_probe ORDER BY n")
    assert table.column("n").to_pylist() == [1, 2, 3]


def test_empty_native_result_keeps_its_header_block(served: Served) -> None:
    raw = served.post("SELECT n, label FROM interface_probe WHERE 0 FORMAT Native")
    assert raw.content == b"\x02\x00\x01n\x06UInt32\x05label\x06String"
    result = served.client("reader").query("SELECT n, label FROM interface_probe WHERE 0")
    assert result.column_names == ("n", "label")
    assert result.result_rows == []
    shown = served.post("SHOW TABLES LIKE 'nothing%' FORMAT Native")
    assert shown.content == b"\x01\x00\x04name\x06String"


@pytest.mark.parametrize(
    "fmt,check",
    [
        ("JSON", lambda body: json.loads(body)["data"] == [{"n": 1}]),
        ("JSONCompact", lambda body: json.loads(body)["data"] == [[1]]),
        ("TabSeparatedWithNamesAndTypes", lambda body: body == b"n\nUInt32\n1\n"),
        ("CSVWithNames", lambda body: body == b'"n"\n1\n'),
        ("RowBinaryWithNamesAndTypes", lambda body: body == b"\x01\x01n\x06UInt32\x01\x00\x00\x00"),
        ("Parquet", lambda body: pq.read_table(io.BytesIO(body)).column("n").to_pylist() == [1]),
    ],
)
def test_output_formats(served: Served, fmt: str, check) -> None:  # type: ignore[no-untyped-def]
    response = served.post(f"SELECT n FROM interface_probe WHERE n = 1 FORMAT {fmt}")
    assert check(response.content), response.content


def test_admin_inserts_with_clickhouse_connect(served: Served) -> None:
    admin = served.client()
    admin.command("CREATE TABLE dwh.interface_inserted (n UInt32, s String) ENGINE = Memory")
    summary = admin.insert("dwh.interface_inserted", [[1, "a"], [2, "b"]], column_names=["n", "s"])
    assert summary.written_rows == 2
    assert admin.query("SELECT sum(n) FROM dwh.interface_inserted").result_rows == [(3,)]


def test_insert_with_data_in_body_after_format(served: Served) -> None:
    served.post("CREATE TABLE dwh.interface_body (n UInt32) ENGINE = Memory", user="admin")
    response = served.post(
        'INSERT INTO dwh.interface_body FORMAT JSONEachRow\n{"n": 5}\n{"n": 6}\n', user="admin"
    )
    assert response.status_code == 200, response.text
    assert served.post("SELECT sum(n) FROM dwh.interface_body").text == "11\n"


def test_get_is_read_only_as_on_a_server(served: Served) -> None:
    response = served.get(user="admin", query="CREATE TABLE dwh.by_get (x UInt8) ENGINE = Memory")
    assert response.status_code == 403
    assert response.headers["X-ClickHouse-Exception-Code"] == "164"
