"""Prometheus metrics of the scheduler (default registry: the collector's /metrics shows them)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

RUN_SECONDS = Histogram(
    "loupe_scheduler_run_seconds",
    "Duration of scheduled job attempts, by job and status (success, failed, interrupted).",
    ["job", "status"],
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600),
)
FAILURES = Counter(
    "loupe_scheduler_failures_total",
    "Failed attempts of scheduled jobs (each retry counts).",
    ["job"],
)
LAST_SUCCESS = Gauge(
    "loupe_scheduler_last_success_timestamp_seconds",
    "Unix time at which each job last finished a slot successfully.",
    ["job"],
)
PENDING_SLOTS = Gauge(
    "loupe_scheduler_pending_slots", "Slots due but not yet run successfully, by job.", ["job"]
)
TABLE_LAG = Gauge(
    "loupe_table_lag_seconds", "Seconds between now and the newest row of each table.", ["table"]
)
