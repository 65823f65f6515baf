-- dwh.items gets `label`, the item as the dashboards show it: its name from the production
-- column entities.yaml configures, else `SKU · section` (history/sql/dim_items.sql fills it),
-- after `sku`, in etl.dim_items too (REPLACE PARTITION needs the same structure). Rows copied
-- before it read `SKU · section` (the column's default) until the next snapshot refreshes them.
ALTER TABLE {{ ddl.table("dwh.items") }} {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS label String DEFAULT concat(sku, ' · ', section) AFTER sku;
{% if ddl.cluster %}
ALTER TABLE dwh.items {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS label String DEFAULT concat(sku, ' · ', section) AFTER sku;
{% endif %}
ALTER TABLE etl.dim_items {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS label String DEFAULT concat(sku, ' · ', section) AFTER sku;
