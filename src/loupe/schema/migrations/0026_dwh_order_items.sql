-- dwh.order_items: the production `order_items` table with the order's business day (grain:
-- order line; time column: `date`, the order's day). Refreshed whole from etl.dim_order_items
-- with REPLACE PARTITION tuple(). ORDER BY (item_id, date): product dashboards read an item's
-- sales over days.
CREATE TABLE IF NOT EXISTS {{ ddl.table("dwh.order_items") }} {{ ddl.on_cluster }}
(
    date Date,
    order_id Int64,
    item_id Int64,
    qty Int32,
    price Int64,
    refreshed_at DateTime64(3, 'UTC')
)
ENGINE = {{ ddl.engine("dwh.order_items") }}
ORDER BY (item_id, date)
{{ ddl.settings() }};

{{ ddl.distributed("dwh.order_items", "cityHash64(order_id)") }};

CREATE TABLE IF NOT EXISTS etl.dim_order_items {{ ddl.on_cluster }}
AS {{ ddl.table("dwh.order_items") }}
ENGINE = MergeTree ORDER BY (item_id, date);
