-- Daily rollups for dashboards, rebuilt with the day swap like the tables they summarise.
-- dwh.daily_funnel (grain: day x device_type x user_type; bots excluded): visits and visits that
-- reached each step of the funnel. dwh.daily_product_stats (grain: day x product; bots excluded).
-- dwh.daily_search_stats (grain: day x normalised query; bots excluded).
CREATE TABLE IF NOT EXISTS {{ ddl.table("dwh.daily_funnel") }} {{ ddl.on_cluster }}
(
    date Date,
    device_type LowCardinality(String),
    user_type LowCardinality(String),
    visits UInt64,
    product_view_visits UInt64,
    favorite_visits UInt64,
    cart_visits UInt64,
    order_visits UInt64,
    orders UInt64,
    revenue Float64
)
ENGINE = {{ ddl.engine("dwh.daily_funnel") }}
PARTITION BY date
ORDER BY (device_type, user_type)
{{ ddl.settings() }};

CREATE TABLE IF NOT EXISTS etl.daily_funnel {{ ddl.on_cluster }} AS {{ ddl.table("dwh.daily_funnel") }}
ENGINE = MergeTree PARTITION BY date ORDER BY (device_type, user_type);

CREATE TABLE IF NOT EXISTS {{ ddl.table("dwh.daily_product_stats") }} {{ ddl.on_cluster }}
(
    date Date,
    product_id UInt64,
    visits UInt64,
    views UInt64,
    favorite_adds UInt64,
    cart_adds UInt64,
    purchased_qty UInt64,
    revenue Float64
)
ENGINE = {{ ddl.engine("dwh.daily_product_stats") }}
PARTITION BY date
ORDER BY product_id
{{ ddl.settings() }};

CREATE TABLE IF NOT EXISTS etl.daily_product_stats {{ ddl.on_cluster }} AS {{ ddl.table("dwh.daily_product_stats") }}
ENGINE = MergeTree PARTITION BY date ORDER BY product_id;

CREATE TABLE IF NOT EXISTS {{ ddl.table("dwh.daily_search_stats") }} {{ ddl.on_cluster }}
(
    date Date,
    q String,
    searches UInt64,
    zero_result_searches UInt64,
    clicks UInt64,
    carts UInt64
)
ENGINE = {{ ddl.engine("dwh.daily_search_stats") }}
PARTITION BY date
ORDER BY q
{{ ddl.settings() }};

CREATE TABLE IF NOT EXISTS etl.daily_search_stats {{ ddl.on_cluster }} AS {{ ddl.table("dwh.daily_search_stats") }}
ENGINE = MergeTree PARTITION BY date ORDER BY q;
