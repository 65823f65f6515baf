"""HTTP interface benchmark: the cost of the interface against the same statement in-process.

One run, one embedded warehouse, served by the interface as `loupe serve` serves it (uvicorn in
a thread of the process that holds chDB); the client is a separate process reading raw bytes
(httpx), so its decoding does not share the server's interpreter:

- a 1M-row SELECT (UInt64, String, Float64, DateTime) in Native and in JSONEachRow: rows/s
  in-process (chDB's result in memory) and through the interface (the last byte received);
- a 1M-row INSERT in Native: in-process `INSERT ... FROM INFILE` against the body POSTed;
- every dashboard card over `--days` of simulated traffic: in-process against the server
  engine on the interface (what `loupe sql` and `loupe dashboards` of another process use);
- the client's own floor: the same client process reading the same Native bytes from a socket
  that sends them ready-made (a thread writing a prepared chunked response), so the time the
  client alone needs to receive them, whatever the server does.

Goal: Native SELECT through the interface <= 1.3x the in-process time.

Usage: python bench/http_interface.py [--rows 1000000] [--runs 5] [--days 2]
       [--calls-per-day 100000]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import chdb
from pydantic import SecretStr

from loupe.dashboards.definitions import load_dashboards, resolve_values, run_card
from loupe.ingest.writer import open_writer
from loupe.interface import serve_interface
from loupe.jobs.run import build_days, days_between
from loupe.schema.ddl import DDL
from loupe.schema.migrate import migrate
from loupe.settings import load_settings
from loupe.simulate import SimulationOptions, WriterOutput, run_simulation
from loupe.warehouse import open_warehouse
from loupe.warehouse.embedded import ENGINE_OPTIONS
from loupe.warehouse.held import HeldWarehouse

START = date(2026, 10, 20)
GOAL = 1.3
SELECT = "SELECT n, s, f, t FROM default.bench_rows FORMAT {fmt}"
# The client process: POSTs the body of argv[3] (a file, or the SQL) and prints the seconds
# until the last byte of the response, and its size.
CLIENT = """
import sys, time, httpx
url, auth, mode, payload, runs = sys.argv[1], tuple(sys.argv[2].split(":", 1)), sys.argv[3], \
    sys.argv[4], int(sys.argv[5])
body = open(payload, "rb").read() if mode == "file" else payload.encode()
params = {"query": "INSERT INTO default.bench_copy FORMAT Native"} if mode == "file" else {}
with httpx.Client(auth=auth, timeout=600) as client:
    for _ in range(runs):
        started = time.perf_counter()
        size = 0
        with client.stream("POST", url, params=params, content=body) as response:
            for chunk in response.iter_raw(1 << 20):
                size += len(chunk)
        assert response.status_code == 200, response.read()
        print(time.perf_counter() - started, size, flush=True)
"""


def median_seconds(action, runs: int) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def through(url: str, password: str, mode: str, payload: str, runs: int) -> float:
    """Median seconds of `runs` requests made by the client process."""
    out = subprocess.run(
        [sys.executable, "-c", CLIENT, url, f"admin:{password}", mode, payload, str(runs)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return statistics.median(float(line.split()[0]) for line in out.splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--days", type=int, default=2)
    parser.add_argument("--calls-per-day", type=int, default=100_000)
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="loupe-bench-http-"))
    settings = load_settings(
        data_dir=directory / "wh", spool_dir=directory / "spool",
        production_url=f"sqlite:///{directory / 'shop.sqlite'}", http_interface_port=0,
    )  # fmt: skip
    rows: list[tuple[str, float, float]] = []
    cards: list[tuple[str, float, float]] = []
    try:
        with open_warehouse(settings) as warehouse:
            migrate(warehouse, DDL())
            conn = chdb.connect(f"{settings.data_dir}?{ENGINE_OPTIONS}")
            conn.query(
                "CREATE TABLE default.bench_rows (n UInt64, s String, f Float64, t DateTime) "
                "ENGINE = MergeTree ORDER BY n"
            )
            conn.query(
                "INSERT INTO default.bench_rows SELECT number, concat('row-', toString(number)), "
                f"number / 3, toDateTime('2026-11-01') + number FROM numbers({args.rows})"
            )
            conn.query("CREATE TABLE default.bench_copy AS default.bench_rows ENGINE = Memory")
            native_file = directory / "rows.native"
            native_file.write_bytes(conn.query(SELECT.format(fmt="Native"), "Native").bytes())
            load_traffic(settings, warehouse, args, directory)
            serving = settings.model_copy(
                update={"http_interface_port": 18123 + os.getpid() % 1000}
            )
            with serve_interface(serving, warehouse) as interface:
                assert interface is not None
                url, password = interface.url + "/", interface.users.admin_password
                floor = through(ready_made(native_file.read_bytes()), "x:y", "sql", "", args.runs)
                for fmt in ("Native", "JSONEachRow"):
                    sql = SELECT.format(fmt=fmt)
                    local = median_seconds(lambda sql=sql, fmt=fmt: conn.query(sql, fmt), args.runs)
                    remote = through(url, password, "sql", sql, args.runs)
                    rows.append((f"SELECT {args.rows:,} rows {fmt}", local, remote))
                insert = f"INSERT INTO default.bench_copy FROM INFILE '{native_file}' FORMAT Native"
                local = median_seconds(lambda: conn.query(insert), args.runs)
                remote = through(url, password, "file", str(native_file), args.runs)
                rows.append((f"INSERT {args.rows:,} rows Native", local, remote))
                rows.append(("Native ready-made (client floor)", rows[0][1], floor))
                held = HeldWarehouse(over_interface(settings, url, password), url)
                cards = card_timings(warehouse, held, args)
            conn.close()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    report(args, rows, cards)


def ready_made(body: bytes) -> str:
    """The URL of a socket that answers every request with `body`, ready-made, in 1 MiB chunks
    of chunked transfer encoding (as the interface sends a result), from a thread."""
    parts = [b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"]
    for start in range(0, len(body), 1 << 20):
        chunk = body[start : start + (1 << 20)]
        parts += [b"%x\r\n" % len(chunk), chunk, b"\r\n"]
    response = b"".join([*parts, b"0\r\n\r\n"])
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listening.bind(("127.0.0.1", 0))
    listening.listen()

    def serve() -> None:
        connection, _ = listening.accept()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pending = b""
        while True:
            while b"\r\n\r\n" not in pending:
                received = connection.recv(65536)
                if not received:
                    return
                pending += received
            head, _, pending = pending.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            while len(pending) < length:
                pending += connection.recv(65536)
            pending = pending[length:]
            connection.sendall(response)

    threading.Thread(target=serve, daemon=True).start()
    return f"http://127.0.0.1:{listening.getsockname()[1]}/"


def load_traffic(settings, warehouse, args, directory: Path) -> None:  # type: ignore[no-untyped-def]
    """`--days` of simulated traffic, built into every dwh table (the cards' data)."""
    options = SimulationOptions(
        days=args.days, start=START, visits_per_day=int(args.calls_per_day / 9.5),
        truth_dir=directory / "truth", db_url=f"sqlite:///{directory / 'shop.sqlite'}",
        replace_db=True,
    )  # fmt: skip
    output = WriterOutput(open_writer(settings, warehouse, source="bench"))
    try:
        run_simulation(options, output)
    finally:
        output.close()
    build_days(warehouse, settings, days_between(START, START + timedelta(days=args.days)))


def over_interface(settings, url: str, password: str):  # type: ignore[no-untyped-def]
    """The settings of the server engine on this process's interface, as the admin."""
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    return settings.model_copy(
        update={
            "engine": "server", "clickhouse_host": "127.0.0.1", "clickhouse_port": port,
            "clickhouse_user": "admin", "clickhouse_password": SecretStr(password),
            "clickhouse_secure": False, "clickhouse_database": "default",
        }
    )  # fmt: skip


def card_timings(warehouse, held, args) -> list[tuple[str, float, float]]:  # type: ignore[no-untyped-def]
    last = START + timedelta(days=args.days - 1)
    timings = []
    for dashboard in load_dashboards():
        window = {"start": START.isoformat(), "end": last.isoformat()}
        values = resolve_values(dashboard, warehouse, window)
        for card in dashboard.cards:
            medians = []
            for target in (warehouse, held):
                medians.append(
                    median_seconds(
                        lambda target=target, card=card, dashboard=dashboard, values=values: (
                            run_card(target, dashboard, card, values)
                        ),
                        args.runs,
                    )
                )
            timings.append((f"{dashboard.slug}/{card.id}", medians[0], medians[1]))
    return timings


def report(args, rows, cards) -> None:  # type: ignore[no-untyped-def]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"{'statement':34} {'in-process rows/s':>18} {'interface rows/s':>17} {'ratio':>6}")
    for name, local, remote in rows:
        print(
            f"{name:34} {args.rows / local:18,.0f} {args.rows / remote:17,.0f} "
            f"{remote / local:6.2f}"
        )
    native = rows[0][2] / rows[0][1]
    verdict = "met" if native <= GOAL else "NOT met"
    print(
        f"Native SELECT through the interface: {native:.2f}x in-process "
        f"(goal <= {GOAL}x: {verdict}); the client alone, reading the same bytes ready-made: "
        f"{rows[-1][2] / rows[0][1]:.2f}x"
    )
    print(f"{'card':40} {'in-process ms':>14} {'interface ms':>13} {'ratio':>6}")
    for name, local, remote in cards:
        print(f"{name:40} {local * 1000:14.1f} {remote * 1000:13.1f} {remote / local:6.2f}")
    if cards:
        total = sum(c[2] for c in cards) / sum(c[1] for c in cards)
        print(f"all cards: {total:.2f}x in-process")


if __name__ == "__main__":
    main()
