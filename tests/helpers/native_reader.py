"""A Native reader for a client that sent `client_protocol_version`, as ch-go (Grafana's client)
reads a server's blocks: block info when the revision has it (FeatureBlockInfo, 51903), a custom
serialization flag after each column's type from 54454 (FeatureCustomSerialization; a true flag
is refused), and each column's values read by clickhouse-connect's own column readers."""

from __future__ import annotations

from typing import Any

from clickhouse_connect.datatypes import registry
from clickhouse_connect.driver.exceptions import StreamCompleteException
from clickhouse_connect.driver.query import QueryContext
from clickhouse_connect.driverc.buffer import ResponseBuffer  # the C reader the client uses

FEATURE_BLOCK_INFO = 51903
FEATURE_CUSTOM_SERIALIZATION = 54454


def read_native(data: bytes, revision: int) -> tuple[list[str], list[str], list[tuple[Any, ...]]]:
    """Column names, types and rows of a Native response for a client of `revision`; raises
    AssertionError where a client would fail to decode."""
    source = ResponseBuffer(_Chunks(data))
    context = QueryContext()
    names: list[str] = []
    types: list[str] = []
    rows: list[tuple[Any, ...]] = []
    while True:
        try:
            if revision >= FEATURE_BLOCK_INFO:
                _block_info(source)
            columns = source.read_leb128()
        except StreamCompleteException:
            break
        count = source.read_leb128()
        block = []
        for _ in range(columns):
            name, type_name = source.read_leb128_str(), source.read_leb128_str()
            if revision >= FEATURE_CUSTOM_SERIALIZATION:
                flag = source.read_byte()
                assert flag == 0, f"column {name} has custom serialization (not supported)"
            if len(names) < columns:
                names.append(name)
                types.append(type_name)
            context.start_column(name)
            column_type = registry.get_from_name(type_name)
            block.append(column_type.read_column(source, count, context) if count else [])
        rows.extend(zip(*block, strict=True))
    return names, types, rows


class _Chunks:
    """The response body as clickhouse-connect's buffer pulls it."""

    def __init__(self, data: bytes) -> None:
        self.gen = iter([data[start : start + 65536] for start in range(0, len(data), 65536)])

    def close(self) -> None:
        """Nothing to release."""


def _block_info(source: ResponseBuffer) -> None:
    """Fields 1 (is_overflows, UInt8) and 2 (bucket_num, Int32), then 0."""
    while True:
        field = source.read_leb128()
        if field == 0:
            return
        if field == 1:
            source.read_byte()
        elif field == 2:
            source.read_bytes(4)
        else:
            raise AssertionError(f"unknown block info field {field}")
