"""Metabase's ClickHouse JDBC driver (clickhouse-java 0.8), replayed request by request as its
source sends them: `POST /?compress=1&query_id=...` with settings in the URL, the format in
`X-ClickHouse-Format`, the database in `X-ClickHouse-Database`, Basic authentication, the SQL in
the body. Every response is read as the driver reads it: ClickHouse's compressed blocks, each
checksum checked with CityHash128 and each block decompressed with the LZ4 library; the rows are
those the engine gives the same statement without the framing."""

from __future__ import annotations

import base64
import struct
import uuid

import httpx
import pytest

from tests.helpers.framing import unframe
from tests.helpers.interface import READER_PASSWORD, Served

pytestmark = pytest.mark.slow

CONNECT = [
    "SELECT currentUser() AS user, timezone() AS timezone, version() AS version LIMIT 1",
    "SELECT 1 FORMAT TabSeparated",
    "SELECT value='1' FROM system.settings WHERE name='cloud_mode'",
    "SELECT timezone() AS tz",
    "WITH s AS (SELECT version() AS ver, splitByChar('.', ver) AS verSplit) "
    "SELECT s.ver, toInt32(verSplit[1]), toInt32(verSplit[2]) FROM s",
]
SYNC = [
    "SELECT t.database AS TABLE_SCHEM, t.name AS TABLE_NAME, t.engine AS TABLE_TYPE, "
    "t.comment AS REMARKS FROM system.tables AS t JOIN system.databases AS d "
    "ON t.database = d.name WHERE t.database = 'dwh' AND t.name LIKE 'interface_probe%' "
    "ORDER BY TABLE_NAME",
    "SELECT database, table, name, type, position, default_kind, comment FROM system.columns "
    "WHERE database = 'dwh' AND table = 'interface_probe' ORDER BY position",
    "SELECT name FROM system.databases ORDER BY name",
    "SELECT name, is_aggregate FROM system.functions WHERE name IN ('count', 'sum', 'lower') "
    "ORDER BY name",
    "SELECT name, case_insensitive, alias_to FROM system.data_type_families "
    "WHERE name IN ('String', 'UInt32', 'DateTime64') ORDER BY name",
]
QUERY = 'SELECT "n", "label" FROM "dwh"."interface_probe" ORDER BY "n" ASC LIMIT 2000'


def jdbc_post(served: Served, sql: str, compress: bool = True) -> httpx.Response:
    """One request as the JDBC driver sends it (the reader is Metabase's user)."""
    params = {"query_id": str(uuid.uuid4()), "session_timezone": "UTC", "role": "metabase"}
    if compress:
        params = {"compress": "1", **params}
    token = base64.b64encode(f"reader:{READER_PASSWORD}".encode()).decode()
    headers = {
        "X-ClickHouse-Format": "RowBinaryWithNamesAndTypes",
        "X-ClickHouse-Database": "dwh",
        "Authorization": f"Basic {token}",
        "Content-Type": "text/plain; charset=UTF-8",
        "User-Agent": "Metabase/v0.57 clickhouse-jdbc/0.8.6 (Apache-HttpClient/5)",
    }
    return httpx.post(served.url, params=params, content=sql.encode(), headers=headers, timeout=60)


def row_binary(data: bytes) -> tuple[list[str], list[str], list[tuple]]:
    """RowBinaryWithNamesAndTypes of the types these statements return."""
    position = 0

    def varuint() -> int:
        nonlocal position
        value = shift = 0
        while True:
            byte = data[position]
            position += 1
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                return value
            shift += 7

    def string() -> str:
        nonlocal position
        length = varuint()
        position += length
        return data[position - length : position].decode()

    fixed = {"UInt8": "<B", "Bool": "<?", "UInt32": "<I", "Int32": "<i", "UInt64": "<Q"}

    def value(type_name: str) -> object:
        nonlocal position
        if type_name.startswith("LowCardinality("):
            return value(type_name[15:-1])
        if type_name == "String":
            return string()
        layout = fixed[type_name]
        (result,) = struct.unpack_from(layout, data, position)
        position += struct.calcsize(layout)
        return result

    count = varuint()
    names = [string() for _ in range(count)]
    types = [string() for _ in range(count)]
    rows = []
    while position < len(data):
        rows.append(tuple(value(type_name) for type_name in types))
    return names, types, rows


@pytest.mark.parametrize("sql", CONNECT + SYNC + [QUERY])
def test_jdbc_request_framed_as_the_driver_reads_it(served: Served, sql: str) -> None:
    framed = jdbc_post(served, sql)
    assert framed.status_code == 200, framed.text
    plain = jdbc_post(served, sql, compress=False)
    assert unframe(framed.content) == plain.content
    if "FORMAT TabSeparated" in sql:
        assert unframe(framed.content) == b"1\n"
    else:
        assert framed.headers["X-ClickHouse-Format"] == "RowBinaryWithNamesAndTypes"
        row_binary(unframe(framed.content))  # decodes to its end


def test_jdbc_rows_and_metadata(served: Served) -> None:
    _, _, connect = row_binary(unframe(jdbc_post(served, CONNECT[0]).content))
    assert connect == [("default", "UTC", "26.9.2.1")]  # chDB runs every query as `default`
    names, types, rows = row_binary(unframe(jdbc_post(served, QUERY).content))
    assert (names, types) == (["n", "label"], ["UInt32", "String"])
    assert rows == [(1, "one"), (2, "two"), (3, "three")]
    _, _, tables = row_binary(unframe(jdbc_post(served, SYNC[0]).content))
    assert [row[1] for row in tables] == ["interface_probe", "interface_probe_view"]
    _, _, columns = row_binary(unframe(jdbc_post(served, SYNC[1]).content))
    assert [(row[2], row[3]) for row in columns] == [("n", "UInt32"), ("label", "String")]
    _, _, databases = row_binary(unframe(jdbc_post(served, SYNC[2]).content))
    assert ("pd",) not in databases and ("dwh",) in databases


def test_jdbc_cancel_of_a_finished_query_finds_nothing(served: Served) -> None:
    response = jdbc_post(served, "KILL QUERY WHERE query_id = 'no-such-query'")
    assert response.status_code == 200, response.text
    names, _, rows = row_binary(unframe(response.content))
    assert names == ["kill_status", "query_id", "user", "query"] and rows == []
