"""Fixtures of the ingestion tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from loupe.ingest.collector import create_collector_app
from loupe.ingest.sinks import WarehouseSink
from loupe.ingest.writer import BatchWriter
from loupe.warehouse import Warehouse
from tests.helpers.ingest import COLLECTOR_TOKEN
from tests.helpers.servers import serve_asgi


@pytest.fixture
def collector(warehouse: Warehouse) -> Iterator[str]:
    """The URL of a collector app served in-process over real HTTP, into `warehouse`."""
    writer = BatchWriter(WarehouseSink(warehouse), max_delay_ms=50, when_full="raise")
    with serve_asgi(create_collector_app(writer, COLLECTOR_TOKEN, max_body_bytes=64_000)) as url:
        yield url
    writer.close()
