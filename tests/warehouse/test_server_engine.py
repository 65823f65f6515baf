"""The server engine through clickhouse-connect, against the product's ClickHouse HTTP interface
over chDB (a real Loupe process holding a warehouse, or the interface served by the test process
where it must stop and restart, or speak HTTPS): the same statements give what the embedded
engine gives."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path

import pyarrow as pa
import pytest
from pydantic import SecretStr

from loupe.errors import LoupeError, QueryError, WarehouseUnavailableError
from loupe.ingest.sinks import WarehouseSink
from loupe.ingest.writer import BatchWriter
from loupe.schema.ddl import DDL
from loupe.schema.migrate import migrate
from loupe.settings import Settings
from loupe.warehouse import Warehouse, open_warehouse
from tests.helpers.calls import api_call
from tests.interface.holding import holding_process, interface_in_process, interface_settings

pytestmark = pytest.mark.slow  # a ClickHouse HTTP server in a process of its own

PASSWORD = "s3cret-pass"


@pytest.fixture(scope="module")
def server_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings of the interface of a running Loupe process, as its admin."""
    base = tmp_path_factory.mktemp("clickhouse_server")
    with holding_process(base) as holder:
        yield holder.server_settings(spool_dir=base / "spool", production_url="")


@pytest.fixture
def server(server_settings: Settings) -> Iterator[Warehouse]:
    with open_warehouse(server_settings) as opened:
        yield opened


# Every kind of value Loupe binds: text with quotes, backslashes, control characters and other
# scripts; arrays of regular expressions and of flags; flags; instants with milliseconds, aware
# (in UTC or not) and naive; dates.
BINDING_SQL = """
SELECT {text:String} AS text, {patterns:Array(String)} AS patterns, {flags:Array(UInt8)} AS flags,
    {flag:UInt8} AS flag, {count:UInt64} AS count, {ratio:Float64} AS ratio,
    {instant:DateTime64(3, 'UTC')} AS instant, {elsewhere:DateTime64(3, 'UTC')} AS elsewhere,
    {naive:DateTime64(3, 'UTC')} AS naive, {day:Date} AS day
"""
BINDINGS = {
    "text": "it's a \\ test\n\twith Кольца and 'quotes'",
    "patterns": ["^GET /api/v1/products/\\d+$", "o'k", ""],
    "flags": [1, 0, 1],
    "flag": True,
    "count": 2**63,
    "ratio": 0.1,
    "instant": datetime(2026, 11, 20, 10, 15, 30, 123000, tzinfo=timezone.utc),
    "elsewhere": datetime.fromisoformat("2026-11-20T13:15:30.987+03:00"),
    "naive": datetime(2026, 11, 20, 23, 59, 59, 999000),
    "day": date(2026, 11, 20),
}


def test_parameters_bind_as_on_the_embedded_engine(server: Warehouse, warehouse: Warehouse) -> None:
    got = server.rows(BINDING_SQL, BINDINGS)
    assert got == warehouse.rows(BINDING_SQL, BINDINGS)
    assert got[0]["text"] == BINDINGS["text"]
    assert got[0]["patterns"] == BINDINGS["patterns"]
    assert got[0]["flag"] == 1
    assert got[0]["instant"] == BINDINGS["instant"]
    assert got[0]["elsewhere"] == datetime(2026, 11, 20, 10, 15, 30, 987000, tzinfo=timezone.utc)
    assert got[0]["naive"] == BINDINGS["naive"].replace(tzinfo=timezone.utc)


def test_insert_settings_reach_the_server(server: Warehouse) -> None:
    """The writer's deduplication token is an insert setting: a batch sent twice lands once."""
    server.command("CREATE DATABASE IF NOT EXISTS scratch")
    server.command(
        "CREATE TABLE scratch.batches (n UInt32) ENGINE = MergeTree ORDER BY n"
        " SETTINGS non_replicated_deduplication_window = 100"
    )
    batch = pa.table({"n": pa.array([1, 2, 3], pa.uint32())})
    for _ in range(2):
        server.insert_arrow("scratch.batches", batch, {"insert_deduplication_token": "batch-1"})
    server.insert_arrow("scratch.batches", batch, {"insert_deduplication_token": "batch-2"})
    assert server.scalar("SELECT count() FROM scratch.batches") == 6
    assert server.query_bytes("SELECT sum(n) FROM scratch.batches", "TSV") == b"12\n"


def test_a_failing_statement_is_a_query_error(server: Warehouse) -> None:
    with pytest.raises(QueryError) as caught:
        server.query("SELECT * FROM nowhere.nothing")
    assert "nowhere" in str(caught.value)
    assert str(caught.value).startswith("Code: 81.")
    assert "\n" not in str(caught.value)


def test_a_wrong_password_is_a_clear_error_that_hides_it(
    server_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    password = server_settings.clickhouse_password.get_secret_value()
    wrong = server_settings.model_copy(
        update={"clickhouse_password": SecretStr("not-the-" + password)}
    )
    with (
        open_warehouse(wrong) as server,
        pytest.raises((QueryError, WarehouseUnavailableError)) as caught,
    ):
        server.query("SELECT 1")
    assert "Authentication failed" in str(caught.value)
    assert password not in str(caught.value) + caplog.text


def test_each_thread_has_its_own_client(server: Warehouse) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        sums = list(
            pool.map(
                lambda n: server.scalar("SELECT sum(number) FROM numbers({n:UInt32})", {"n": n}),
                range(1, 41),
            )
        )
    assert sums == [n * (n - 1) // 2 for n in range(1, 41)]


def test_closing_closes_every_thread_client(server_settings: Settings) -> None:
    """A thread that outlives the engine (a lease heartbeat) gets a clear error, not a new
    client that nobody would close."""
    from concurrent.futures import ThreadPoolExecutor

    server = open_warehouse(server_settings)
    with ThreadPoolExecutor(2) as threads:
        sums = threads.map(lambda n: server.scalar("SELECT {n:UInt8} + 1", {"n": n}), [1, 2])
        assert list(sums) == [2, 3]
        server.close()
        with pytest.raises(LoupeError, match="closed"):
            threads.submit(server.scalar, "SELECT 1").result()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (its own CA), made with openssl."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    base = tmp_path_factory.mktemp("tls")
    cert, key = base / "server.pem", base / "server.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def test_https_with_a_private_ca(
    certificate: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    base = tmp_path_factory.mktemp("clickhouse_tls")
    with interface_in_process(base / "data", PASSWORD, tls=certificate) as port:
        secure = interface_settings(port, PASSWORD, clickhouse_secure=True)
        with open_warehouse(secure) as server, pytest.raises(WarehouseUnavailableError) as caught:
            server.scalar("SELECT 1")  # the system's CAs do not know this certificate
        assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value)
        assert str(caught.value).endswith("check the clickhouse_ca_cert setting")
        trusting = secure.model_copy(update={"clickhouse_ca_cert": certificate[0]})
        with open_warehouse(trusting) as server:
            assert server.scalar("SELECT {n:UInt8} + 1", {"n": 41}) == 42


def test_records_written_during_a_server_outage_land_once_after_it(tmp_path: Path) -> None:
    """The engine's client saw the server up, then the server stops: the batch is spooled, and
    replayed through the same engine once the server is back. Sending the same batch again adds
    nothing (its deduplication token reaches the server as an insert setting)."""
    from tests.helpers.servers import free_port

    port = free_port()
    settings = interface_settings(port, PASSWORD)
    batch = [api_call(event_id=str(uuid.uuid4()), session_id="outage") for _ in range(30)]
    stored_sql = "SELECT count() AS calls, uniqExact(event_id) AS distinct_calls FROM pd.api_calls"
    with open_warehouse(settings) as server:
        with interface_in_process(tmp_path / "data", PASSWORD, port=port):
            migrate(server, DDL())
        with BatchWriter(
            WarehouseSink(server), retries=1, backoff_s=0.01, spool_dir=tmp_path / "spool"
        ) as writer:
            receipt = writer.add_many(batch).result(timeout=60)
            assert receipt.spooled and receipt.accepted == 30
            with interface_in_process(tmp_path / "data", PASSWORD, port=port):
                server.command("SYSTEM STOP MERGES pd.api_calls")  # merges would fold duplicates
                assert writer.replay() == 30
                writer.add_many(batch).result(timeout=60)
                writer.flush(timeout=60)
                assert server.rows(stored_sql) == [{"calls": 30, "distinct_calls": 30}]
