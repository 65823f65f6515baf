-- etl.visit_calls ordered by start_ts: it now also keeps every built day's calls parsed for the
-- hourly runs, which read the calls of recent visits only (see jobs/sql/visit_calls.sql); with
-- this order that read touches the recent granules, not the whole day. A day build writes its
-- rows once and sorts them on insert. Staging data is disposable: the table is recreated, and an
-- hourly run builds in full any day whose parsed calls are missing.
DROP TABLE IF EXISTS etl.visit_calls {{ ddl.on_cluster }};

CREATE TABLE IF NOT EXISTS etl.visit_calls {{ ddl.on_cluster }}
(
    date Date,
    visit_id UInt64,
    session_id String,
    seq UInt32,
    ts DateTime64(3, 'UTC'),
    start_ts DateTime64(3, 'UTC'),
    event_id UUID,
    user_id UInt64,
    user_agent LowCardinality(String),
    method LowCardinality(String),
    endpoint String,
    status UInt16,
    is_ok UInt8,
    event_type LowCardinality(String),
    product_id UInt64,
    qty UInt32,
    list_ids Array(UInt64),
    q String,
    section String,
    material Array(String),
    metal Array(String),
    stone Array(String),
    price_min Nullable(Float64),
    price_max Nullable(Float64),
    sort String,
    page UInt32,
    per_page UInt32,
    results_total UInt64,
    product_price Float64,
    order_items Array(Tuple(product_id UInt64, qty UInt32, price Float64)),
    order_total Float64
)
ENGINE = MergeTree
PARTITION BY date
ORDER BY start_ts;
