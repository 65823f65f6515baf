"""The wire side of ClickHouse's HTTP interface: errors and their statuses, compression, headers.

Errors are sent as a server sends them: the body `Code: N. DB::Exception: message (NAME)`, the
header `X-ClickHouse-Exception-Code: N` and an HTTP status chosen by the code (`STATUS_BY_CODE`,
documented in docs/http-interface.md). Bodies are compressed by `Accept-Encoding` and decompressed
by `Content-Encoding` with the encodings clickhouse-connect asks for (lz4 frames, zstd, gzip,
deflate).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import tempfile
import zlib
from collections.abc import AsyncIterable, Iterable, Iterator
from typing import BinaryIO, Protocol

import lz4.frame
import zstandard

VERSION = "26.9.2.1"  # the ClickHouse release inside chdb-core, reported in error messages

# HTTP status by exception code; anything else is 500.
STATUS_BY_CODE: dict[int, int] = {
    **dict.fromkeys((47, 60, 81, 46, 50, 56, 63, 73, 78, 115, 511), 404),
    **dict.fromkeys((6, 25, 26, 27, 36, 38, 41, 44, 53, 62, 72, 117, 167, 168, 223), 400),
    **dict.fromkeys((164, 497, 192), 403),
    159: 504,
    516: 401,
    48: 501,
    372: 404,
    373: 423,
}
_CODE = re.compile(r"Code: (\d+)\. (?:DB::Exception: )?")
_NAME = re.compile(r"\s*\(([A-Z][A-Z0-9_]+)\)\s*$")
_NESTED = re.compile(r"^(Code: \d+\. DB::Exception: )+(?=Code: \d+\. DB::Exception: )")


class ClickHouseError(Exception):
    """An error in ClickHouse's terms: a code, a message and the error's name."""

    def __init__(self, code: int, message: str, name: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.name = name

    @property
    def status(self) -> int:
        """The HTTP status a server answers with for this code."""
        return STATUS_BY_CODE.get(self.code, 500)

    def body(self) -> bytes:
        """The response body: one line, as a server writes it."""
        name = f" ({self.name})" if self.name else ""
        text = f"Code: {self.code}. DB::Exception: {self.message}{name} (version {VERSION})\n"
        return text.encode()


def engine_error(exc: BaseException) -> ClickHouseError:
    """The `ClickHouseError` a chDB exception carries: its code, first line and name (chDB adds
    a stack trace and repeats the prefix once per layer the error crossed)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = _NESTED.sub("", text.split(", Stack trace")[0]).split(" (version ")[0]
    found = _CODE.match(text)
    if not found:
        return ClickHouseError(1001, text, "STD_EXCEPTION")
    message = text[found.end() :]
    named = _NAME.search(message)
    name = named.group(1) if named else ""
    if named:
        message = message[: named.start()]
    return ClickHouseError(int(found.group(1)), message.rstrip(), name)


# -- compression --------------------------------------------------------------------------------


class _Compressor(Protocol):
    def compress(self, data: bytes) -> bytes: ...
    def flush(self) -> bytes: ...


class _Zstd:
    def __init__(self) -> None:
        self._writer = zstandard.ZstdCompressor().compressobj()

    def compress(self, data: bytes) -> bytes:
        return self._writer.compress(data)

    def flush(self) -> bytes:
        return self._writer.flush()


class _Lz4:
    def __init__(self) -> None:
        self._writer = lz4.frame.LZ4FrameCompressor()
        self._started = False

    def compress(self, data: bytes) -> bytes:
        head = b"" if self._started else self._writer.begin()
        self._started = True
        return head + self._writer.compress(data)

    def flush(self) -> bytes:
        head = b"" if self._started else self._writer.begin()
        self._started = True
        return head + self._writer.flush()


class _Zlib:
    def __init__(self, gzip_header: bool) -> None:
        self._writer = zlib.compressobj(6, zlib.DEFLATED, 31 if gzip_header else 15)

    def compress(self, data: bytes) -> bytes:
        return self._writer.compress(data)

    def flush(self) -> bytes:
        return self._writer.flush()


def _compressor(encoding: str) -> _Compressor:
    if encoding == "zstd":
        return _Zstd()
    if encoding == "lz4":
        return _Lz4()
    return _Zlib(gzip_header=encoding == "gzip")


ENCODINGS = ("lz4", "zstd", "gzip", "deflate")  # in the order the client lists them wins


def response_encoding(accept_encoding: str | None, enabled: bool) -> str | None:
    """The first encoding of `Accept-Encoding` that we speak, if the client enabled compression
    (`enable_http_compression=1`, as a server requires)."""
    if not enabled or not accept_encoding:
        return None
    for item in accept_encoding.split(","):
        name = item.split(";")[0].strip().lower()
        if name in ENCODINGS:
            return name
    return None


def decode_body(body: bytes, encoding: str | None) -> bytes:
    """The request body without its `Content-Encoding`."""
    if not encoding or encoding.lower() == "identity" or not body:
        return body
    name = encoding.lower()
    try:
        if name == "gzip":
            return gzip.decompress(body)
        if name == "deflate":
            return zlib.decompress(body)
        if name == "zstd":
            reader = zstandard.ZstdDecompressor().stream_reader(body, read_across_frames=True)
            return reader.read()
        if name == "lz4":
            return _lz4_frames(body)
    except Exception as exc:
        raise ClickHouseError(
            432, f"Cannot decompress the {name} request body: {exc}", "UNKNOWN_CODEC"
        ) from exc
    raise ClickHouseError(
        432, f"Unknown HTTP Content-Encoding: {encoding}", "UNKNOWN_COMPRESSION_METHOD"
    )


def _lz4_frames(body: bytes) -> bytes:
    """Every LZ4 frame of `body` (clients send one per block they stream)."""
    out = []
    while body:
        decompressor = lz4.frame.LZ4FrameDecompressor()
        out.append(decompressor.decompress(body))
        if not decompressor.eof:
            raise ValueError("truncated LZ4 frame")
        body = decompressor.unused_data
    return b"".join(out)


async def spool(chunks: AsyncIterable[bytes]) -> BinaryIO:
    """A request body written, as it arrives, into an anonymous in-memory file (Linux `memfd`;
    else an unlinked temporary file), for `INSERT ... FROM INFILE '/dev/fd/N'`: the copy into
    the file overlaps the upload, and the body is never held whole in Python. The caller closes
    it; a body cut short raises here, before anything is inserted."""
    if hasattr(os, "memfd_create"):
        stream: BinaryIO = open(os.memfd_create("loupe-http-insert", os.MFD_CLOEXEC), "wb")  # noqa: SIM115
    else:
        stream = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        async for chunk in chunks:
            stream.write(chunk)
        stream.flush()
    except BaseException:
        stream.close()
        raise
    return stream


CHUNK = 1 << 20


def split(data: bytes | memoryview) -> Iterator[memoryview]:
    """`data` in chunks of at most 1 MiB, without copying."""
    view = memoryview(data)
    for start in range(0, len(view), CHUNK):
        yield view[start : start + CHUNK]


def encode_stream(
    parts: Iterable[bytes | memoryview], encoding: str | None
) -> Iterator[bytes | memoryview]:
    """`parts` compressed as one stream when `encoding` is set; else as they are, not copied."""
    writer = _compressor(encoding) if encoding else None
    for part in parts:
        out = writer.compress(part) if writer else part
        if len(out):
            yield out
    if writer:
        yield writer.flush()


# -- formats and headers ------------------------------------------------------------------------


def _varuint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _string(text: str) -> bytes:
    raw = text.encode()
    return _varuint(len(raw)) + raw


def native_header(columns: list[tuple[str, str]]) -> bytes:
    """An empty Native block (column count, zero rows, each column's name and type): what a
    server sends for an empty result, and what clients read the result's columns from. chDB
    sends nothing instead."""
    out = _varuint(len(columns)) + _varuint(0)
    for name, type_name in columns:
        out += _string(name) + _string(type_name)
    return out


def summary(read_rows: int, read_bytes: int, written_rows: int, written_bytes: int,
            result_rows: int, result_bytes: int, elapsed: float) -> str:  # fmt: skip
    """`X-ClickHouse-Summary`: the server's counters, as strings, in one JSON object."""
    return json.dumps(
        {
            "read_rows": str(read_rows),
            "read_bytes": str(read_bytes),
            "written_rows": str(written_rows),
            "written_bytes": str(written_bytes),
            "total_rows_to_read": str(read_rows),
            "result_rows": str(result_rows),
            "result_bytes": str(result_bytes),
            "elapsed_ns": str(int(elapsed * 1e9)),
        },
        separators=(",", ":"),
    )
