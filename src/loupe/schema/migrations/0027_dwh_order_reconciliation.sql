-- dwh.order_reconciliation: per business day and run, orders logged by the API
-- (POST /api/v1/orders in pd.api_calls) against orders in the production database (grain: day x
-- run; time column: checked_at, the run). Every run appends its rows; the latest run per day is
-- dwh.order_reconciliation_latest. ORDER BY (date, checked_at): read as "day D, newest check".
CREATE TABLE IF NOT EXISTS {{ ddl.table("dwh.order_reconciliation") }} {{ ddl.on_cluster }}
(
    checked_at DateTime64(3, 'UTC'),
    date Date,
    logged_orders UInt64,
    db_orders UInt64,
    matched UInt64,
    logged_revenue Float64,
    db_revenue Float64,
    match_rate Float64
)
ENGINE = {{ ddl.engine("dwh.order_reconciliation") }}
PARTITION BY toYYYYMM(date)
ORDER BY (date, checked_at)
{{ ddl.settings() }};

{{ ddl.distributed("dwh.order_reconciliation", "rand()") }};

-- dwh.order_reconciliation_unmatched: the orders of a run that did not match (grain: order x
-- run). side: `log_only` (logged, not in the database), `db_only` (in the database, not logged)
-- or `total_mismatch` (both, with different totals).
CREATE TABLE IF NOT EXISTS {{ ddl.table("dwh.order_reconciliation_unmatched") }}
{{ ddl.on_cluster }}
(
    checked_at DateTime64(3, 'UTC'),
    date Date,
    order_id Int64,
    side LowCardinality(String),
    logged_total Nullable(Float64),
    db_total Nullable(Float64)
)
ENGINE = {{ ddl.engine("dwh.order_reconciliation_unmatched") }}
PARTITION BY toYYYYMM(date)
ORDER BY (date, checked_at, order_id)
{{ ddl.settings() }};

{{ ddl.distributed("dwh.order_reconciliation_unmatched", "rand()") }};

-- dwh.order_reconciliation_latest: the newest run's row for each day (what `loupe status` shows).
CREATE VIEW IF NOT EXISTS dwh.order_reconciliation_latest {{ ddl.on_cluster }} AS
SELECT *
FROM dwh.order_reconciliation
ORDER BY date, checked_at DESC
LIMIT 1 BY date;

-- etl.reconcile_orders: staging of one run, one row per order id seen on either side.
CREATE TABLE IF NOT EXISTS etl.reconcile_orders {{ ddl.on_cluster }}
(
    date Date,
    order_id Int64,
    in_log UInt8,
    in_db UInt8,
    logged_total Nullable(Float64),
    db_total Nullable(Float64),
    matched UInt8
)
ENGINE = MergeTree
ORDER BY (date, order_id);
