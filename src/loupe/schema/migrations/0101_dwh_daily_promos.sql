-- dwh.daily_promos: the day's orders by promo code (grain: day x promo, '' for orders without a
-- code; bots excluded; time column: date), with the codes the shop refused (422 invalid_promo),
-- rebuilt with the day swap like dwh.sessions whose visits it reads. ORDER BY promo: the few
-- codes of a day, read by code across days.
-- etl.daily_promos is its staging twin, etl.previous_daily_promos the swap's undo copy.
CREATE TABLE IF NOT EXISTS {{ ddl.table("dwh.daily_promos") }} {{ ddl.on_cluster }}
(
    date Date,
    promo String,
    orders UInt64,
    revenue Float64,
    discount Float64,
    average_order_value Float64,
    refused UInt64
)
ENGINE = {{ ddl.engine("dwh.daily_promos") }}
PARTITION BY date
ORDER BY promo
{{ ddl.settings() }};

CREATE TABLE IF NOT EXISTS etl.daily_promos {{ ddl.on_cluster }} AS {{ ddl.table("dwh.daily_promos") }}
ENGINE = MergeTree PARTITION BY date ORDER BY promo;

CREATE TABLE IF NOT EXISTS etl.previous_daily_promos {{ ddl.on_cluster }} AS etl.daily_promos;
