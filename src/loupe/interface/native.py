"""Native output for the client's `client_protocol_version`, written by a server's rules.

chDB writes Native as a server does for a client of revision 0. A client that sends its protocol
version (Grafana's Go client, clickhouse-connect after its probe) reads what a server's
`NativeWriter` writes for that revision:

- revision > 0: each block starts with its block info (`is_overflows` 0, `bucket_num` -1);
- revision >= 54454 (custom serialization): a flag byte after each column's type, 0 here (the
  engine's Native output is always in the default serialization);
- revision < 54337: `DateTime` without its time zone parameter.

A server also turns LowCardinality columns into plain ones for a client older than 54405 (2018);
that is not done here (the engine's `low_cardinality_allow_in_native_format` does not apply to
its HTTP output): such a client gets LowCardinality.

The flag byte goes between a column's type and its data, so every column's data is walked to
find where it ends (`skip`): fixed-width types, String, FixedString, Nullable, Array, Map, Tuple
and LowCardinality. A result with another type (Dynamic, Variant, JSON, AggregateFunction...) is
refused with code 48 when such a revision is asked.
"""

from __future__ import annotations

import re
import struct

from loupe.interface.protocol import ClickHouseError

WITH_CUSTOM_SERIALIZATION = 54454
WITH_DATETIME_TIMEZONE = 54337
BLOCK_INFO = b"\x01\x00\x02\xff\xff\xff\xff\x00"  # field 1 is_overflows, field 2 bucket_num, end

_WIDTHS = {
    **dict.fromkeys(("UInt8", "Int8", "Bool", "Enum8", "Nothing"), 1),
    **dict.fromkeys(("UInt16", "Int16", "Date", "Enum16", "BFloat16"), 2),
    **dict.fromkeys(
        ("UInt32", "Int32", "Float32", "Date32", "DateTime", "IPv4", "Decimal32", "Time"), 4
    ),
    **dict.fromkeys(("UInt64", "Int64", "Float64", "DateTime64", "Decimal64", "Time64"), 8),
    **dict.fromkeys(("UInt128", "Int128", "UUID", "IPv6", "Decimal128"), 16),
    **dict.fromkeys(("UInt256", "Int256", "Decimal256"), 32),
}
_U64 = struct.Struct("<Q")
_TYPE = re.compile(r"^([A-Za-z0-9_]+)(?:\((.*)\))?$", re.DOTALL)
_ELEMENT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\s+(?=[A-Z])")


def for_revision(data: bytes | memoryview, revision: int) -> bytes | memoryview:
    """chDB's Native `data` as a server writes it for a client of `revision`."""
    if revision <= 0 or not len(data):
        return data
    view = memoryview(data)
    out: list[bytes | memoryview] = []
    position = 0
    while position < len(view):
        out.append(BLOCK_INFO)
        position = _block(view, position, revision, out)
    return b"".join(out)


def _block(view: memoryview, position: int, revision: int, out: list) -> int:
    start = position
    columns, position = _varuint(view, position)
    rows, position = _varuint(view, position)
    out.append(view[start:position])
    for _ in range(columns):
        name_start = position
        length, position = _varuint(view, position)
        position += length
        out.append(view[name_start:position])
        length, position = _varuint(view, position)
        type_name = bytes(view[position : position + length]).decode()
        position += length
        shown = type_name
        if revision < WITH_DATETIME_TIMEZONE:
            shown = re.sub(r"\bDateTime\('[^']*'\)", "DateTime", shown)
        out.append(_string(shown))
        if revision >= WITH_CUSTOM_SERIALIZATION:
            out.append(b"\x00")
        end = skip(view, position, type_name, rows) if rows else position
        out.append(view[position:end])
        position = end
    return position


def skip(view: memoryview, position: int, type_name: str, rows: int) -> int:
    """Where the Native data of `rows` values of `type_name` starting at `position` ends."""
    name, args = _parse(type_name)
    if name in _WIDTHS:
        return position + _WIDTHS[name] * rows
    if name == "Decimal":
        precision = int(args[0])
        width = 4 if precision <= 9 else 8 if precision <= 18 else 16 if precision <= 38 else 32
        return position + width * rows
    if name == "FixedString":
        return position + int(args[0]) * rows
    if name == "String":
        for _ in range(rows):
            length = view[position]
            if length < 0x80:
                position += 1 + length
            else:
                length, position = _varuint(view, position)
                position += length
        return position
    if name == "Nullable":
        return skip(view, position + rows, args[0], rows)
    if name in ("Array", "Map"):
        if rows == 0:
            return position
        (total,) = _U64.unpack_from(view, position + 8 * (rows - 1))
        position += 8 * rows
        if name == "Array":
            return skip(view, position, args[0], total)
        return skip(view, skip(view, position, args[0], total), args[1], total)
    if name == "Tuple":
        for element in args:
            position = skip(view, position, _ELEMENT_NAME.sub("", element), rows)
        return position
    if name == "LowCardinality":
        return _skip_low_cardinality(view, position, args[0], rows)
    if name == "SimpleAggregateFunction":
        return skip(view, position, args[-1], rows)
    raise ClickHouseError(
        48,
        f"Native output of type {type_name} for a client_protocol_version is not supported: "
        "ask without client_protocol_version, or in another format",
        "NOT_IMPLEMENTED",
    )


def _skip_low_cardinality(view: memoryview, position: int, inner: str, rows: int) -> int:
    """The key version, then per part: index type (key width, flags), the additional keys
    (dictionary of the inner type without Nullable), the row count and the indexes."""
    name, args = _parse(inner)
    dictionary = args[0] if name == "Nullable" else inner
    position += 8  # key serialization version
    while rows > 0:
        (index_type,) = _U64.unpack_from(view, position)
        position += 8
        if index_type & (1 << 9):  # has additional keys
            (keys,) = _U64.unpack_from(view, position)
            position = skip(view, position + 8, dictionary, keys)
        (count,) = _U64.unpack_from(view, position)
        position += 8 + (1 << (index_type & 0xFF)) * count
        rows -= count
    return position


def _parse(type_name: str) -> tuple[str, list[str]]:
    found = _TYPE.match(type_name.strip())
    if not found:
        return type_name, []
    name, inside = found.group(1), found.group(2)
    if inside is None:
        return name, []
    args, depth, quoted, current = [], 0, False, []
    for index, char in enumerate(inside):
        if quoted:
            if char == "'" and inside[index - 1] != "\\":
                quoted = False
        elif char == "'":
            quoted = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            args.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    args.append("".join(current).strip())
    return name, args


def _varuint(view: memoryview, position: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = view[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, position
        shift += 7


def _string(text: str) -> bytes:
    raw = text.encode()
    out = bytearray()
    value = len(raw)
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out) + raw
