-- dwh.product_sessions: one row per (visit, product) the visit touched: viewed, favorited,
-- carted or bought (grain: visit x product; time column: first_view_ts, or the visit start).
-- ORDER BY (product_id, visit_id): product reports read one product's visits together.
CREATE TABLE IF NOT EXISTS {{ ddl.table("dwh.product_sessions") }} {{ ddl.on_cluster }}
(
    date Date,
    visit_id UInt64,
    session_id String,
    product_id UInt64,
    views UInt32,
    first_view_ts Nullable(DateTime64(3, 'UTC')),
    source LowCardinality(String),
    list_position UInt32,
    favorite_adds UInt32,
    favorite_removes UInt32,
    cart_adds UInt32,
    cart_removes UInt32,
    purchased_qty UInt32,
    revenue Float64,
    price_at_view Float64,
    device_type LowCardinality(String),
    user_type LowCardinality(String),
    is_bot UInt8
)
ENGINE = {{ ddl.engine("dwh.product_sessions") }}
PARTITION BY date
ORDER BY (product_id, visit_id)
{{ ddl.settings() }};

{{ ddl.distributed("dwh.product_sessions", "cityHash64(session_id)") }};

CREATE TABLE IF NOT EXISTS etl.product_sessions {{ ddl.on_cluster }} AS {{ ddl.table("dwh.product_sessions") }}
ENGINE = MergeTree PARTITION BY date ORDER BY (product_id, visit_id);
