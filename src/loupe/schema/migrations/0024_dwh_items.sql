-- dwh.items: the current catalog, copied from the production `items` table with its stock level
-- (grain: item; no time column, `refreshed_at` is when the copy was taken). A refresh fills
-- etl.dim_items and replaces the whole table at once (REPLACE PARTITION tuple()), so dashboards
-- never see a half-copied catalog. ORDER BY id: joins to behaviour tables are by product id.
CREATE TABLE IF NOT EXISTS {{ ddl.table("dwh.items") }} {{ ddl.on_cluster }}
(
    id Int64,
    sku String,
    section LowCardinality(String),
    material LowCardinality(String),
    metal Nullable(String),
    stone Nullable(String),
    motif Nullable(String),
    price Int64,
    old_price Nullable(Int64),
    updated_at DateTime64(3, 'UTC'),
    stock Int64,
    refreshed_at DateTime64(3, 'UTC')
)
ENGINE = {{ ddl.engine("dwh.items") }}
ORDER BY id
{{ ddl.settings() }};

{{ ddl.distributed("dwh.items", "cityHash64(id)") }};

CREATE TABLE IF NOT EXISTS etl.dim_items {{ ddl.on_cluster }} AS {{ ddl.table("dwh.items") }}
ENGINE = MergeTree ORDER BY id;
