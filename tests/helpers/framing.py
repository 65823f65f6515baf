"""ClickHouse's compressed block framing (`compress=1`), read independently of Loupe's own code:
the checksum of each block checked with CityHash128 and the block decompressed with the LZ4
library, as the JDBC driver reads a response."""

from __future__ import annotations

import struct

import lz4.block
from clickhouse_cityhash.cityhash import CityHash128


def unframe(body: bytes) -> bytes:
    """The data of ClickHouse compressed blocks, each checksum checked, as the driver reads."""
    out = []
    position = 0
    while position < len(body):
        expected = body[position : position + 16]
        method = body[position + 16]
        size, plain = struct.unpack_from("<II", body, position + 17)
        block = body[position + 16 : position + 16 + size]
        value = CityHash128(block)
        assert expected == struct.pack("<QQ", value >> 64, value & (2**64 - 1)), "checksum"
        assert method == 0x82, f"method {method:#x}"
        out.append(lz4.block.decompress(block[9:], uncompressed_size=plain))
        position += 16 + size
    return b"".join(out)
