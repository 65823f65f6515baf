-- pd.api_calls_rejected: records refused at ingestion, kept with their raw payload and reason
-- (grain: rejected record; time column: received_at). ORDER BY received_at: read newest first
-- by the status command and by people looking into a rejection.
CREATE TABLE IF NOT EXISTS {{ ddl.table("pd.api_calls_rejected") }} {{ ddl.on_cluster }}
(
    received_at DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    reason LowCardinality(String),
    payload String CODEC(ZSTD(3)),
    source LowCardinality(String)
)
ENGINE = {{ ddl.engine("pd.api_calls_rejected") }}
PARTITION BY toYYYYMM(received_at)
ORDER BY received_at
{{ ddl.settings() }};

{{ ddl.distributed("pd.api_calls_rejected", "rand()") }}
