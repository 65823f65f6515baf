-- dwh.orders: the production `orders` table (grain: order; time column: created_at, UTC; `date`
-- is its business day in the `timezone` setting). Refreshed whole from etl.dim_orders with
-- REPLACE PARTITION tuple(). ORDER BY (date, id): dashboards read orders by day.
CREATE TABLE IF NOT EXISTS {{ ddl.table("dwh.orders") }} {{ ddl.on_cluster }}
(
    date Date,
    id Int64,
    user_id Int64,
    session_id String,
    created_at DateTime64(3, 'UTC'),
    status LowCardinality(String),
    subtotal Int64,
    discount Int64,
    total Int64,
    promo Nullable(String),
    refreshed_at DateTime64(3, 'UTC')
)
ENGINE = {{ ddl.engine("dwh.orders") }}
ORDER BY (date, id)
{{ ddl.settings() }};

{{ ddl.distributed("dwh.orders", "cityHash64(id)") }};

CREATE TABLE IF NOT EXISTS etl.dim_orders {{ ddl.on_cluster }} AS {{ ddl.table("dwh.orders") }}
ENGINE = MergeTree ORDER BY (date, id);
