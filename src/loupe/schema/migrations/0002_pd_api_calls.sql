-- pd.api_calls: one row per API call of the shop (grain: call; time column: ts, UTC).
-- PARTITION BY day: reprocessing and retention work a day at a time.
-- ORDER BY (session_id, ts, event_id): visits are rebuilt per session in time order, so a
-- session's calls sit together and sorted; event_id last lets ReplacingMergeTree fold repeats of
-- the same call. Hour-range scans use the minmax indexes on ts and received_at within a day.
-- LowCardinality for the few-valued columns (method, user_agent); ZSTD for JSON bodies.
CREATE TABLE IF NOT EXISTS {{ ddl.table("pd.api_calls") }} {{ ddl.on_cluster }}
(
    event_id UUID,
    ts DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    session_id String CODEC(ZSTD(1)),
    user_id UInt64 CODEC(T64, ZSTD(1)),
    method LowCardinality(String),
    endpoint String CODEC(ZSTD(1)),
    status UInt16,
    duration_ms UInt32 CODEC(T64, ZSTD(1)),
    request String CODEC(ZSTD(3)),
    response String CODEC(ZSTD(3)),
    user_agent LowCardinality(String),
    ip String CODEC(ZSTD(1)),
    referer String CODEC(ZSTD(1)),
    received_at DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    INDEX ts_minmax ts TYPE minmax GRANULARITY 1,
    INDEX received_at_minmax received_at TYPE minmax GRANULARITY 1
)
ENGINE = {{ ddl.engine("pd.api_calls", "ReplacingMergeTree") }}
PARTITION BY toDate(ts)
ORDER BY (session_id, ts, event_id)
{{ ddl.settings() }};

{{ ddl.distributed("pd.api_calls", "cityHash64(session_id)") }}
