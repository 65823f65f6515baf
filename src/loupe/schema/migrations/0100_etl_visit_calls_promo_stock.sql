-- The parsed calls (etl.visit_calls and an hourly run's etl.touched_calls) carry an order's
-- `promo` code (request; empty without one) and a product page's `stock` (response; NULL for
-- any other call), after `order_total`, for dwh.daily_promos and the out-of-stock demand; a full
-- build of a day fills them.
ALTER TABLE etl.visit_calls {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS promo String AFTER order_total,
    ADD COLUMN IF NOT EXISTS stock Nullable(Int64) AFTER promo;
ALTER TABLE etl.touched_calls {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS promo String AFTER order_total,
    ADD COLUMN IF NOT EXISTS stock Nullable(Int64) AFTER promo;
