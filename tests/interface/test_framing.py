"""ClickHouse's compressed block framing against the engine's own: the column file of a MergeTree
part is a run of the same blocks, written by the engine with its CityHash128 checksums, so it
is both a known vector for the checksum and a request body no Loupe code produced."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
import zstandard

from loupe.interface import framing
from loupe.interface.protocol import ClickHouseError
from tests.helpers.interface import Served

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def column_file(served: Served) -> bytes:
    """The engine's LZ4 blocks of a UInt64 column (`n.bin` of a wide part): the values as
    8-byte integers, which is also RowBinary for a one-UInt64-column table."""
    admin = served.client()
    admin.command(
        "CREATE TABLE dwh.interface_framed (n UInt64 CODEC(LZ4)) ENGINE = MergeTree "
        "ORDER BY tuple() SETTINGS min_bytes_for_wide_part = 0"
    )
    admin.command("INSERT INTO dwh.interface_framed SELECT number FROM numbers(300000)")
    path = admin.command(
        "SELECT path FROM system.parts WHERE database = 'dwh' AND table = 'interface_framed'"
    )
    return (Path(str(path)) / "n.bin").read_bytes()


def test_checksum_and_blocks_equal_the_engines(column_file: bytes) -> None:
    data = framing.decompress_body(column_file)
    assert data == b"".join(struct.pack("<Q", n) for n in range(300000))
    size = struct.unpack_from("<I", column_file, 17)[0]
    assert column_file[:16] == framing.checksum(column_file[16 : 16 + size])
    again = b"".join(framing.compress_stream([data]))
    assert framing.decompress_body(again) == data


def test_corrupt_checksum_refused(column_file: bytes) -> None:
    corrupt = bytes([column_file[0] ^ 1]) + column_file[1:]
    with pytest.raises(ClickHouseError) as refused:
        framing.decompress_body(corrupt)
    assert refused.value.code == 40
    assert framing.decompress_body(corrupt, verify=False) == framing.decompress_body(column_file)


def test_decompress_request_body_written_by_the_engine(served: Served, column_file: bytes) -> None:
    served.post("CREATE TABLE dwh.interface_unframed (n UInt64) ENGINE = Memory", user="admin")
    response = served.post(
        column_file, user="admin", decompress="1",
        query="INSERT INTO dwh.interface_unframed FORMAT RowBinary",
    )  # fmt: skip
    assert response.status_code == 200, response.text
    count = served.post("SELECT count(), sum(n) FROM dwh.interface_unframed")
    assert count.text == f"300000\t{sum(range(300000))}\n"


def test_decompress_request_with_corrupt_checksum_refused(
    served: Served, column_file: bytes
) -> None:
    served.post("CREATE TABLE dwh.interface_corrupt (n UInt64) ENGINE = Memory", user="admin")
    corrupt = column_file[:40] + bytes([column_file[40] ^ 0xFF]) + column_file[41:]  # data
    response = served.post(
        corrupt, user="admin", decompress="1",
        query="INSERT INTO dwh.interface_corrupt FORMAT RowBinary",
    )  # fmt: skip
    assert response.headers["X-ClickHouse-Exception-Code"] == "40"
    assert "Checksum doesn't match" in response.text
    assert served.post("SELECT count() FROM dwh.interface_corrupt").text == "0\n"


def test_zstd_framing_by_network_compression_method(served: Served) -> None:
    response = served.post(
        "SELECT number FROM numbers(10)", compress="1", network_compression_method="ZSTD"
    )
    body = response.content
    assert body[16] == framing.ZSTD
    size, plain = struct.unpack_from("<II", body, 17)
    assert body[:16] == framing.checksum(body[16 : 16 + size])
    data = zstandard.ZstdDecompressor().decompress(body[25 : 16 + size], max_output_size=plain)
    assert data == "".join(f"{n}\n" for n in range(10)).encode()
