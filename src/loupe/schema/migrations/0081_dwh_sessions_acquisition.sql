-- dwh.sessions gets each visit's acquisition (docs/acquisition.md): its landing page (path and
-- query of the first call's shop page), external referrer host, UTM tags (lower-cased, trimmed),
-- click id type and channel. Session-scoped: a visit's orders count for its source. The staging
-- twins get the same columns, which REPLACE PARTITION requires.
ALTER TABLE {{ ddl.table("dwh.sessions") }} {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS landing_url String CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS referrer_host LowCardinality(String),
    ADD COLUMN IF NOT EXISTS utm_source LowCardinality(String),
    ADD COLUMN IF NOT EXISTS utm_medium LowCardinality(String),
    ADD COLUMN IF NOT EXISTS utm_campaign LowCardinality(String),
    ADD COLUMN IF NOT EXISTS utm_content String,
    ADD COLUMN IF NOT EXISTS utm_term String,
    ADD COLUMN IF NOT EXISTS click_id_type LowCardinality(String),
    ADD COLUMN IF NOT EXISTS channel LowCardinality(String);
{% if ddl.cluster %}
ALTER TABLE dwh.sessions {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS landing_url String CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS referrer_host LowCardinality(String),
    ADD COLUMN IF NOT EXISTS utm_source LowCardinality(String),
    ADD COLUMN IF NOT EXISTS utm_medium LowCardinality(String),
    ADD COLUMN IF NOT EXISTS utm_campaign LowCardinality(String),
    ADD COLUMN IF NOT EXISTS utm_content String,
    ADD COLUMN IF NOT EXISTS utm_term String,
    ADD COLUMN IF NOT EXISTS click_id_type LowCardinality(String),
    ADD COLUMN IF NOT EXISTS channel LowCardinality(String);
{% endif %}
ALTER TABLE etl.sessions {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS landing_url String CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS referrer_host LowCardinality(String),
    ADD COLUMN IF NOT EXISTS utm_source LowCardinality(String),
    ADD COLUMN IF NOT EXISTS utm_medium LowCardinality(String),
    ADD COLUMN IF NOT EXISTS utm_campaign LowCardinality(String),
    ADD COLUMN IF NOT EXISTS utm_content String,
    ADD COLUMN IF NOT EXISTS utm_term String,
    ADD COLUMN IF NOT EXISTS click_id_type LowCardinality(String),
    ADD COLUMN IF NOT EXISTS channel LowCardinality(String);
ALTER TABLE etl.previous_sessions {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS landing_url String CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS referrer_host LowCardinality(String),
    ADD COLUMN IF NOT EXISTS utm_source LowCardinality(String),
    ADD COLUMN IF NOT EXISTS utm_medium LowCardinality(String),
    ADD COLUMN IF NOT EXISTS utm_campaign LowCardinality(String),
    ADD COLUMN IF NOT EXISTS utm_content String,
    ADD COLUMN IF NOT EXISTS utm_term String,
    ADD COLUMN IF NOT EXISTS click_id_type LowCardinality(String),
    ADD COLUMN IF NOT EXISTS channel LowCardinality(String);
