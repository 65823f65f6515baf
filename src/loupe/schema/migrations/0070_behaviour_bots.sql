-- Visits marked bots by what they do (jobs/sql/sessions.sql, docs/etl.md): dwh.sessions gets
-- `bot_reason` after `is_bot` (`user_agent`, `behaviour:<rule>` or empty), and so do its staging
-- and previous-day twins (REPLACE PARTITION needs the same structure). The rules on the client
-- address read it from the parsed calls: etl.visit_calls and etl.touched_calls get `ip` (as
-- stored: full, truncated or a keyed hash) after `user_agent`, in both at the same position,
-- since an hourly run combines their rows by position.
ALTER TABLE {{ ddl.table("dwh.sessions") }} {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS bot_reason LowCardinality(String) AFTER is_bot;
{% if ddl.cluster %}
ALTER TABLE dwh.sessions {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS bot_reason LowCardinality(String) AFTER is_bot;
{% endif %}
ALTER TABLE etl.sessions {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS bot_reason LowCardinality(String) AFTER is_bot;
ALTER TABLE etl.previous_sessions {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS bot_reason LowCardinality(String) AFTER is_bot;
ALTER TABLE etl.visit_calls {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS ip String CODEC(ZSTD(1)) AFTER user_agent;
ALTER TABLE etl.touched_calls {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS ip String CODEC(ZSTD(1)) AFTER user_agent;
