-- etl.cart_lines: the life of every cart line (grain: a line's stay in a cart; time column:
-- from_ts), staged whole by the day build for dwh.carts (jobs/sql/cart_lines.sql). ORDER BY
-- (cart_key, from_ts, product_id): dwh.carts reads each cart's lines in order of their start.
CREATE TABLE IF NOT EXISTS etl.cart_lines {{ ddl.on_cluster }}
(
    cart_key String,
    product_id UInt64,
    from_ts DateTime64(3, 'UTC'),
    to_ts DateTime64(3, 'UTC'),
    last_ts DateTime64(3, 'UTC'),
    reason LowCardinality(String),
    target String,
    qty UInt32,
    price Float64
)
ENGINE = MergeTree
ORDER BY (cart_key, from_ts, product_id);

-- dwh.carts: cart episodes, from the first line put into an empty cart until the cart is empty
-- again (grain: cart episode; time column: episode_start), recomputed whole from dwh.cart_events
-- by every day build (a `whole` day job) as of the end of the newest built day (`as_of`). One
-- partition: the recomputed table replaces it whole (REPLACE PARTITION tuple() from the etl
-- twin, atomic for readers). ORDER BY (cart_key, episode_start): a cart's episodes in time order.
CREATE TABLE IF NOT EXISTS {{ ddl.table("dwh.carts") }} {{ ddl.on_cluster }}
(
    cart_key String,
    episode_start DateTime64(3, 'UTC'),
    user_id UInt64,
    last_changed_at DateTime64(3, 'UTC'),
    lines UInt32,
    units UInt32,
    value Float64,
    status LowCardinality(String),
    ordered_at Nullable(DateTime64(3, 'UTC')),
    days_to_order Nullable(Int32),
    visits_before_order Nullable(UInt32),
    lines_out_of_stock UInt32,
    as_of DateTime64(3, 'UTC')
)
ENGINE = {{ ddl.engine("dwh.carts") }}
ORDER BY (cart_key, episode_start)
{{ ddl.settings() }};

CREATE TABLE IF NOT EXISTS etl.carts {{ ddl.on_cluster }} AS {{ ddl.table("dwh.carts") }}
ENGINE = MergeTree ORDER BY (cart_key, episode_start);

-- Where a day's publish keeps the dwh.carts it replaces (publish.py).
CREATE TABLE IF NOT EXISTS etl.previous_carts {{ ddl.on_cluster }} AS etl.carts;

-- dwh.abandoned_carts: the abandoned episodes of dwh.carts for the dashboards (grain: cart
-- episode), with their age and idle time as of dwh.carts' `as_of`: whole days since the first
-- line went in, hours since the cart last changed. Pseudonymous ids only (the user id, and the
-- cart key, which holds a guest's session id as dwh.sessions does).
CREATE VIEW IF NOT EXISTS dwh.abandoned_carts {{ ddl.on_cluster }} AS
SELECT cart_key, user_id, episode_start, last_changed_at, lines, units, value, lines_out_of_stock,
    toUInt32(intDiv(dateDiff('second', episode_start, as_of), 86400)) AS age_days,
    toUInt32(intDiv(dateDiff('second', last_changed_at, as_of), 3600)) AS idle_hours,
    as_of
FROM dwh.carts
WHERE status = 'abandoned';
