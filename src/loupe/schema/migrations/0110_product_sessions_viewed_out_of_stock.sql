-- dwh.product_sessions gets `viewed_out_of_stock` after `price_at_view` (1 when the visit saw the
-- product's page answer with stock 0), and so do its staging and previous-day twins, at the same
-- position (REPLACE PARTITION needs the same structure, and the job inserts by position). Days
-- built before it read 0 until they are built again.
ALTER TABLE {{ ddl.table("dwh.product_sessions") }} {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS viewed_out_of_stock UInt8 AFTER price_at_view;
{% if ddl.cluster %}
ALTER TABLE dwh.product_sessions {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS viewed_out_of_stock UInt8 AFTER price_at_view;
{% endif %}
ALTER TABLE etl.product_sessions {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS viewed_out_of_stock UInt8 AFTER price_at_view;
ALTER TABLE etl.previous_product_sessions {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS viewed_out_of_stock UInt8 AFTER price_at_view;
