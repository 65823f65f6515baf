-- dwh.search_queries: one row per distinct search query (`q` as dwh.catalog_sessions has it) with
-- its normal form, computed once in Python (jobs/search_queries.py). ORDER BY q: joined by it.
-- dwh.catalog_sessions and dwh.daily_search_stats gain `q_normalized` after `q` (grains
-- unchanged: a query has one normal form); their staging and previous-day twins get the same
-- column in the same place, which REPLACE PARTITION needs.
CREATE TABLE IF NOT EXISTS {{ ddl.table("dwh.search_queries") }} {{ ddl.on_cluster }}
(
    q String,
    q_normalized String
)
ENGINE = {{ ddl.engine("dwh.search_queries", "ReplacingMergeTree") }}
ORDER BY q
{{ ddl.settings() }};

{{ ddl.distributed("dwh.search_queries", "cityHash64(q)") }};

ALTER TABLE {{ ddl.table("dwh.catalog_sessions") }} {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS q_normalized String AFTER q;
{% if ddl.cluster %}
ALTER TABLE dwh.catalog_sessions {{ ddl.on_cluster }} ADD COLUMN IF NOT EXISTS q_normalized String AFTER q;
{% endif %}
ALTER TABLE etl.catalog_sessions {{ ddl.on_cluster }} ADD COLUMN IF NOT EXISTS q_normalized String AFTER q;
ALTER TABLE etl.previous_catalog_sessions {{ ddl.on_cluster }} ADD COLUMN IF NOT EXISTS q_normalized String AFTER q;

ALTER TABLE {{ ddl.table("dwh.daily_search_stats") }} {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS q_normalized String AFTER q;
ALTER TABLE etl.daily_search_stats {{ ddl.on_cluster }} ADD COLUMN IF NOT EXISTS q_normalized String AFTER q;
ALTER TABLE etl.previous_daily_search_stats {{ ddl.on_cluster }} ADD COLUMN IF NOT EXISTS q_normalized String AFTER q;
