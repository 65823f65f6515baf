-- dwh.cart_events: every change the shop's API made to a cart (grain: successful cart call, one
-- row per order line for an order; time column: ts; `date` is the day of the call's visit, as in
-- dwh.sessions), rebuilt per visit with the day swap. The durable record dwh.carts recomputes
-- the cart episodes from (etl.visit_calls keeps a week only). ORDER BY (cart_key, product_id, ts):
-- a cart line's changes sit together in time order, as dwh.carts reads them.
-- etl.cart_events is its staging twin, etl.previous_cart_events the swap's undo copy.
CREATE TABLE IF NOT EXISTS {{ ddl.table("dwh.cart_events") }} {{ ddl.on_cluster }}
(
    date Date,
    visit_id UInt64,
    session_id String,
    user_id UInt64,
    event_id UUID,
    ts DateTime64(3, 'UTC'),
    cart_key String,
    event LowCardinality(String),
    product_id UInt64,
    qty UInt32,
    line_qty UInt32,
    price Float64
)
ENGINE = {{ ddl.engine("dwh.cart_events") }}
PARTITION BY date
ORDER BY (cart_key, product_id, ts)
{{ ddl.settings() }};

{{ ddl.distributed("dwh.cart_events", "cityHash64(session_id)") }};

CREATE TABLE IF NOT EXISTS etl.cart_events {{ ddl.on_cluster }} AS {{ ddl.table("dwh.cart_events") }}
ENGINE = MergeTree PARTITION BY date ORDER BY (cart_key, product_id, ts);

CREATE TABLE IF NOT EXISTS etl.previous_cart_events {{ ddl.on_cluster }} AS etl.cart_events;
