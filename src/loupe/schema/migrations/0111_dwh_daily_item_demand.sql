-- dwh.daily_item_demand: each item's demand and its stock-outs (grain: business day x item;
-- bots excluded; time column: date): people's views, views and visits that saw the item out of
-- stock, cart adds and the cart adds refused as out of stock, purchases, the minutes of the day
-- at stock 0 (history.stock_versions read as a step function), the price and section as of the
-- day's end (history.items_versions) and the revenue the stock-outs likely cost. Rebuilt with the
-- day swap like dwh.sessions whose visits it reads. ORDER BY item_id: an item's days are read
-- together.
-- etl.daily_item_demand is its staging twin, etl.previous_daily_item_demand the swap's undo copy.
CREATE TABLE IF NOT EXISTS {{ ddl.table("dwh.daily_item_demand") }} {{ ddl.on_cluster }}
(
    date Date,
    item_id UInt64,
    section LowCardinality(String),
    views UInt64,
    views_out_of_stock UInt64,
    visits_out_of_stock UInt64,
    cart_adds UInt64,
    cart_attempts_out_of_stock UInt64,
    purchased_qty UInt64,
    revenue Float64,
    out_of_stock_minutes Float64,
    price Float64,
    lost_revenue_estimate Float64
)
ENGINE = {{ ddl.engine("dwh.daily_item_demand") }}
PARTITION BY date
ORDER BY item_id
{{ ddl.settings() }};

CREATE TABLE IF NOT EXISTS etl.daily_item_demand {{ ddl.on_cluster }} AS {{ ddl.table("dwh.daily_item_demand") }}
ENGINE = MergeTree PARTITION BY date ORDER BY item_id;

CREATE TABLE IF NOT EXISTS etl.previous_daily_item_demand {{ ddl.on_cluster }} AS etl.daily_item_demand;
