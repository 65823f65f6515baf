-- dwh.catalog_sessions: one row per successful catalog or search call, in its visit (grain:
-- call; time column: ts). ORDER BY (is_search, q, visit_id, seq): search reports group by query.
CREATE TABLE IF NOT EXISTS {{ ddl.table("dwh.catalog_sessions") }} {{ ddl.on_cluster }}
(
    date Date,
    visit_id UInt64,
    session_id String,
    event_id UUID,
    ts DateTime64(3, 'UTC'),
    seq UInt32,
    q String,
    is_search UInt8,
    section LowCardinality(String),
    material Array(LowCardinality(String)),
    metal Array(LowCardinality(String)),
    stone Array(LowCardinality(String)),
    price_min Nullable(Float64),
    price_max Nullable(Float64),
    price_band LowCardinality(String),
    sort LowCardinality(String),
    page UInt32,
    per_page UInt32,
    results_total UInt64,
    is_zero_result UInt8,
    is_refinement UInt8,
    clicked_product_id UInt64,
    clicked_position UInt32,
    led_to_cart UInt8,
    device_type LowCardinality(String),
    user_type LowCardinality(String),
    is_bot UInt8
)
ENGINE = {{ ddl.engine("dwh.catalog_sessions") }}
PARTITION BY date
ORDER BY (is_search, q, visit_id, seq)
{{ ddl.settings() }};

{{ ddl.distributed("dwh.catalog_sessions", "cityHash64(session_id)") }};

CREATE TABLE IF NOT EXISTS etl.catalog_sessions {{ ddl.on_cluster }} AS {{ ddl.table("dwh.catalog_sessions") }}
ENGINE = MergeTree PARTITION BY date ORDER BY (is_search, q, visit_id, seq);
