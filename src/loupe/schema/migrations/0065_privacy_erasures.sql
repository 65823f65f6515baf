-- The erasure list and the record of erasures (`loupe forget`, loupe/privacy/), in their own
-- database: they outlive every rebuild, and `etl` holds only disposable staging.
-- privacy.erased_keys: one row per erased key (grain: kind x key_hash; time column: erased_at).
-- key_hash is the keyed hash of `kind:value` (ingest/hash_key.py `erased_hash`) of an erased user
-- id, session id or email hash, never the raw value; it is found nowhere else in the warehouse.
-- Ingestion and snapshots read it whole (a few rows per erasure); ORDER BY (kind, key_hash)
-- makes a repeated erasure of the same key one row after merges.
CREATE DATABASE IF NOT EXISTS privacy {{ ddl.on_cluster }};

CREATE TABLE IF NOT EXISTS {{ ddl.table("privacy.erased_keys") }} {{ ddl.on_cluster }}
(
    kind LowCardinality(String),
    key_hash String,
    erasure_id UUID,
    erased_at DateTime64(3, 'UTC')
)
ENGINE = {{ ddl.engine("privacy.erased_keys", "ReplacingMergeTree") }}
ORDER BY (kind, key_hash)
{{ ddl.settings() }};

{{ ddl.distributed("privacy.erased_keys", "rand()") }};

-- privacy.erasures: one row per `loupe forget` run (grain: erasure; time column: requested_at):
-- what was asked (the kind and the keyed hash of the value named), when it finished, the rows
-- removed per table, the spooled records dropped and the days rebuilt. No personal data.
CREATE TABLE IF NOT EXISTS {{ ddl.table("privacy.erasures") }} {{ ddl.on_cluster }}
(
    erasure_id UUID,
    requested_at DateTime64(3, 'UTC'),
    finished_at DateTime64(3, 'UTC'),
    kind LowCardinality(String),
    key_hash String,
    erased_keys UInt32,
    rows_removed Map(String, UInt64),
    spooled_removed UInt64,
    rebuilt_days Array(Date)
)
ENGINE = {{ ddl.engine("privacy.erasures") }}
PARTITION BY toYYYYMM(requested_at)
ORDER BY (requested_at, erasure_id)
{{ ddl.settings() }};

{{ ddl.distributed("privacy.erasures", "rand()") }};
