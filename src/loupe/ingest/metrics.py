"""Prometheus metrics of ingestion, shared by the BatchWriter and the collector."""

from prometheus_client import Counter, Gauge, Histogram

RECORDS_IN = Counter("loupe_ingest_records_total", "API-call records accepted for writing.")
RECORDS_REJECTED = Counter(
    "loupe_ingest_rejected_total", "API-call records rejected (stored with their reason)."
)
RECORDS_SPOOLED = Counter(
    "loupe_ingest_spooled_total", "Records spooled to local disk while the warehouse was down."
)
RECORDS_REPLAYED = Counter(
    "loupe_ingest_replayed_total", "Spooled records replayed into the warehouse."
)
RECORDS_DROPPED = Counter(
    "loupe_ingest_dropped_total",
    "Records the middleware dropped because its writer was full (the host app is never blocked).",
)
RECORDS_ERASED = Counter(
    "loupe_ingest_erased_total",
    "Records dropped because their user, session or email is on the erasure list.",
)
FLUSH_SECONDS = Histogram(
    "loupe_ingest_flush_seconds",
    "Time to write one batch (insert, or spool when the insert failed).",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
PENDING = Gauge("loupe_ingest_pending_records", "Records waiting in BatchWriter memory.")
SPOOL_BATCHES = Gauge("loupe_ingest_spool_batches", "Batches waiting in the spool.")
SCRUBBED = Counter(
    "loupe_ingest_scrubbed_total",
    "Values scrubbed from API-call records (dropped, masked or hashed), by rule and action.",
    ["rule", "action"],
)
SCRUBBED_CARD = SCRUBBED.labels(rule="card-number", action="mask")
