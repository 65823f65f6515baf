-- dwh.daily_funnel gains the counts behind order value and abandonment (grain unchanged: day x
-- device_type x user_type, so rates are computed by the readers, never stored): `units` (items
-- in the successful orders), `cart_visits_without_order`, `order_attempts` (order calls of any
-- status) and `order_failures` (409, 422 or 5xx). The staging and previous-day twins get the same
-- columns in the same order: REPLACE PARTITION needs identical structures.
ALTER TABLE {{ ddl.table("dwh.daily_funnel") }} {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS units UInt64,
    ADD COLUMN IF NOT EXISTS cart_visits_without_order UInt64,
    ADD COLUMN IF NOT EXISTS order_attempts UInt64,
    ADD COLUMN IF NOT EXISTS order_failures UInt64;

ALTER TABLE etl.daily_funnel {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS units UInt64,
    ADD COLUMN IF NOT EXISTS cart_visits_without_order UInt64,
    ADD COLUMN IF NOT EXISTS order_attempts UInt64,
    ADD COLUMN IF NOT EXISTS order_failures UInt64;

ALTER TABLE etl.previous_daily_funnel {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS units UInt64,
    ADD COLUMN IF NOT EXISTS cart_visits_without_order UInt64,
    ADD COLUMN IF NOT EXISTS order_attempts UInt64,
    ADD COLUMN IF NOT EXISTS order_failures UInt64;
