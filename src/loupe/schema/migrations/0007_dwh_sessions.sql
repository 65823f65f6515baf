-- dwh.sessions: one row per visit (grain: visit; time column: start_ts; `date` is the business
-- day of the first call). ORDER BY (device_type, user_type, visit_id): dashboards slice days by
-- device and user type. etl.sessions is its staging twin for REPLACE PARTITION.
CREATE TABLE IF NOT EXISTS {{ ddl.table("dwh.sessions") }} {{ ddl.on_cluster }}
(
    date Date,
    visit_id UInt64,
    session_id String,
    start_ts DateTime64(3, 'UTC'),
    end_ts DateTime64(3, 'UTC'),
    duration_s UInt32,
    user_id UInt64,
    user_type LowCardinality(String),
    registered_in_visit UInt8,
    is_returning UInt8,
    device_type LowCardinality(String),
    os LowCardinality(String),
    browser LowCardinality(String),
    is_bot UInt8,
    calls UInt32,
    catalog_calls UInt32,
    searches UInt32,
    zero_result_searches UInt32,
    product_views UInt32,
    distinct_products UInt32,
    favorite_adds UInt32,
    cart_adds UInt32,
    orders UInt32,
    revenue Float64,
    entry_endpoint String,
    exit_endpoint String,
    is_bounce UInt8,
    errors UInt32
)
ENGINE = {{ ddl.engine("dwh.sessions") }}
PARTITION BY date
ORDER BY (device_type, user_type, visit_id)
{{ ddl.settings() }};

{{ ddl.distributed("dwh.sessions", "cityHash64(session_id)") }};

CREATE TABLE IF NOT EXISTS etl.sessions {{ ddl.on_cluster }} AS {{ ddl.table("dwh.sessions") }}
ENGINE = MergeTree PARTITION BY date ORDER BY (device_type, user_type, visit_id);
