"""Compressed responses by `Accept-Encoding` and requests by `Content-Encoding`, as
clickhouse-connect asks for them (lz4 frames, zstd, gzip)."""

from __future__ import annotations

import gzip

import lz4.frame
import pytest
import zstandard

from tests.helpers.interface import Served

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("compress", ["lz4", "zstd", "gzip"])
def test_clickhouse_connect_compressed_query_and_insert(served: Served, compress: str) -> None:
    client = served.client(compress=compress)
    rows = client.query("SELECT number, toString(number) FROM numbers(50000)").result_rows
    assert len(rows) == 50000 and rows[-1] == (49999, "49999")
    table = f"dwh.interface_{compress}"
    client.command(f"CREATE TABLE {table} (n UInt64) ENGINE = Memory")
    client.insert(table, [[n] for n in range(1000)], column_names=["n"])
    assert client.command(f"SELECT sum(n) FROM {table}") == sum(range(1000))


@pytest.mark.parametrize(
    "encoding,decode",
    [
        ("zstd", lambda body: zstandard.ZstdDecompressor().decompressobj().decompress(body)),
        ("lz4", lz4.frame.decompress),
        ("gzip", gzip.decompress),
    ],
)
def test_response_compressed_only_when_enabled(served: Served, encoding: str, decode) -> None:  # type: ignore[no-untyped-def]
    import httpx

    sql = "SELECT number FROM numbers(1000)"
    auth = ("reader", "reader-pass-7f3a")
    headers = {"Accept-Encoding": encoding}
    params = {"enable_http_compression": "1"}
    with httpx.stream(
        "POST", served.url, params=params, content=sql, auth=auth, headers=headers
    ) as enabled:
        assert enabled.headers["Content-Encoding"] == encoding
        raw = b"".join(enabled.iter_raw())  # as sent, before any decoding by httpx
    assert decode(raw) == "".join(f"{n}\n" for n in range(1000)).encode()
    plain = httpx.post(served.url, content=sql, auth=auth, headers=headers)
    assert "Content-Encoding" not in plain.headers


def test_gzip_request_body(served: Served) -> None:
    response = served.post(gzip.compress(b"SELECT 40 + 2"), headers={"Content-Encoding": "gzip"})
    assert response.text == "42\n"
