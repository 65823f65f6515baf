"""Grafana's ClickHouse plugin (clickhouse-go v2 over HTTP), replayed as its source sends it:
the hello query without a protocol version, then every query with `client_protocol_version`
and `default_format=Native`, read by a Native reader that follows ch-go's rules (block info,
a custom serialization flag per column from 54454), with or without `compress=1`."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers.framing import unframe
from tests.helpers.interface import READER_PASSWORD, Served
from tests.helpers.native_reader import read_native

pytestmark = pytest.mark.slow

HELLO = "SELECT displayName(), version(), revision(), timezone()"
REVISION = 54460  # clickhouse-go's ClientTCPProtocolVersion


def go_post(served: Served, sql: str, revision: int | None, compress: bool = False) -> bytes:
    params = {"database": "dwh", "default_format": "Native"}
    if revision:
        params["client_protocol_version"] = str(revision)
    if compress:
        params["compress"] = "1"
    response = httpx.post(
        served.url, params=params, content=sql.encode(), auth=("reader", READER_PASSWORD),
        headers={"User-Agent": "clickhouse-go/2.40 (database/sql; grafana-clickhouse-datasource)"},
        timeout=60,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    return unframe(response.content) if compress else response.content


def test_hello_then_queries_with_the_protocol_version(served: Served) -> None:
    _, types, hello = read_native(go_post(served, HELLO, None), 0)
    assert types[2] == "UInt32" and hello[0][1] == "26.9.2.1"
    revision = min(hello[0][2], REVISION)
    sql = (
        "SELECT n, label, toLowCardinality(label) AS l, if(n = 2, NULL, n) AS maybe, "
        "[n, n] AS pair, toDateTime(n, 'UTC') AS t FROM interface_probe ORDER BY n"
    )
    for compress in (False, True):
        names, types, rows = read_native(go_post(served, sql, revision, compress), revision)
        assert names == ["n", "label", "l", "maybe", "pair", "t"]
        assert types[2] == "LowCardinality(String)" and types[5].startswith("DateTime")
        assert [row[:5] for row in rows] == [
            (1, "one", "one", 1, [1, 1]),
            (2, "two", "two", None, [2, 2]),
            (3, "three", "three", 3, [3, 3]),
        ]


def test_many_blocks_and_an_empty_result(served: Served) -> None:
    sql = "SELECT number AS n, toString(number) AS s FROM numbers(300000)"
    _, _, rows = read_native(go_post(served, sql, REVISION), REVISION)
    assert len(rows) == 300000 and rows[-1] == (299999, "299999")
    empty = go_post(served, "SELECT n FROM interface_probe WHERE n > 10", REVISION)
    assert read_native(empty, REVISION) == (["n"], ["UInt32"], [])


def test_clickhouse_connect_reads_the_protocol_version_it_probed(served: Served) -> None:
    client = served.client("reader")
    assert client.protocol_version == 54405  # its probe found the block info a server sends
    result = client.query("SELECT n, toLowCardinality(label) AS l FROM interface_probe ORDER BY n")
    assert result.result_rows == [(1, "one"), (2, "two"), (3, "three")]
