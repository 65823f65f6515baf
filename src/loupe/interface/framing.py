"""ClickHouse's own compressed block framing (`compress=1` responses, `decompress=1` requests).

The JDBC driver (Metabase) and the Go client ask for it instead of an HTTP `Content-Encoding`.
Each block is: a 16-byte checksum, then the method byte (0x82 LZ4, 0x90 ZSTD, 0x02 none), the
compressed size (UInt32, counting this 9-byte header), the uncompressed size (UInt32), and the
compressed data. The checksum is CityHash128 v1.0.2 of everything after it, written as its high
then its low 64 bits, little-endian: what the engine writes in a MergeTree column file too
(tests/interface/test_framing.py checks against one). A request block whose checksum does not
match is refused with code 40, as a server refuses it.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator

import lz4.block
import zstandard
from clickhouse_cityhash.cityhash import CityHash128

from loupe.interface.protocol import ClickHouseError

NONE, LZ4, ZSTD = 0x02, 0x82, 0x90
METHODS = {"lz4": LZ4, "zstd": ZSTD, "none": NONE}
HEADER = 9  # method byte, compressed size, uncompressed size
CHECKSUM = 16
BLOCK = 1 << 20  # a server's blocks hold at most 1 MiB of data (DBMS_DEFAULT_BUFFER_SIZE)
MAX_BLOCK = 1 << 30  # a larger size in a request's header is corruption, as a server judges it
_MASK = (1 << 64) - 1
_SIZES = struct.Struct("<II")


def checksum(data: bytes | memoryview) -> bytes:
    """The 16 bytes a block starts with: CityHash128 of `data` (header and compressed data)."""
    value = CityHash128(bytes(data))
    return struct.pack("<QQ", value >> 64, value & _MASK)


def method_of(name: str | None) -> int:
    """The method byte for `network_compression_method` (LZ4 by default, as on a server)."""
    method = METHODS.get((name or "lz4").lower())
    if method is None:
        raise ClickHouseError(
            89, f"Unknown compression method: {name}", "UNKNOWN_COMPRESSION_METHOD"
        )
    return method


def compress_block(data: bytes | memoryview, method: int = LZ4) -> bytes:
    """One framed block holding `data` (at most `BLOCK` bytes)."""
    raw = bytes(data)
    if method == LZ4:
        payload = lz4.block.compress(raw, store_size=False)
    elif method == ZSTD:
        payload = zstandard.ZstdCompressor(level=1).compress(raw)
    else:
        payload = raw
    head = bytes((method,)) + _SIZES.pack(HEADER + len(payload), len(raw))
    return checksum(head + payload) + head + payload


def compress_stream(chunks: Iterable[bytes | memoryview], method: int = LZ4) -> Iterator[bytes]:
    """`chunks` as framed blocks of at most `BLOCK` bytes each."""
    for chunk in chunks:
        view = memoryview(chunk)
        for start in range(0, len(view), BLOCK):
            yield compress_block(view[start : start + BLOCK], method)


def decompress_body(body: bytes, verify: bool = True) -> bytes:
    """The data of a request body made of framed blocks; code 40 for a checksum that does not
    match (`verify`: unless the client turned checking off), 271 for a malformed block."""
    out = []
    view = memoryview(body)
    position = 0
    while position < len(view):
        if len(view) - position < CHECKSUM + HEADER:
            raise _corrupt("a truncated block header")
        start = position + CHECKSUM
        method = view[start]
        size, plain = _SIZES.unpack_from(view, start + 1)
        if size < HEADER or size > MAX_BLOCK or plain > MAX_BLOCK:
            raise _corrupt(f"a block of compressed size {size}, uncompressed size {plain}")
        end = start + size
        if end > len(view):
            raise _corrupt("a truncated block")
        if verify:
            expected = bytes(view[position:start])
            actual = checksum(view[start:end])
            if expected != actual:
                raise ClickHouseError(
                    40,
                    f"Checksum doesn't match: corrupted data. Reference: {_hex(expected)}. "
                    f"Actual: {_hex(actual)}. Size of compressed block: {size}",
                    "CHECKSUM_DOESNT_MATCH",
                )
        payload = bytes(view[start + HEADER : end])
        out.append(_decompress(method, payload, plain))
        position = end
    return b"".join(out)


def _decompress(method: int, payload: bytes, plain: int) -> bytes:
    try:
        if method == LZ4:
            data = lz4.block.decompress(payload, uncompressed_size=plain)
        elif method == ZSTD:
            data = zstandard.ZstdDecompressor().decompress(payload, max_output_size=plain)
        elif method == NONE:
            data = payload
        else:
            raise ClickHouseError(
                89, f"Unknown compression method: {method:#x}", "UNKNOWN_COMPRESSION_METHOD"
            )
    except ClickHouseError:
        raise
    except Exception as exc:
        raise _corrupt(f"a block that does not decompress ({exc})") from None
    if len(data) != plain:
        raise _corrupt(f"a block of {len(data)} bytes where its header says {plain}")
    return data


def _corrupt(what: str) -> ClickHouseError:
    return ClickHouseError(271, f"Cannot decompress: {what}", "CANNOT_DECOMPRESS")


def _hex(value: bytes) -> str:
    high, low = struct.unpack("<QQ", value)
    return f"({high:#018x}, {low:#018x})"
