-- The parsed calls (etl.visit_calls and an hourly run's etl.touched_calls) carry what the cart
-- episodes need from the responses, after `route`, at the same position in both (an hourly run
-- combines their rows by position): a cart add's `cart_qty` (the line's quantity after the add)
-- and `cart_price` (the line's price), and the `account_id` a login or registration answers with
-- (the guest cart moves into that customer's); 0 for every other call. A full build of a day
-- fills them; the days built before keep zeros until then.
ALTER TABLE etl.visit_calls {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS cart_qty UInt32 AFTER route,
    ADD COLUMN IF NOT EXISTS cart_price Float64 AFTER cart_qty,
    ADD COLUMN IF NOT EXISTS account_id UInt64 AFTER cart_price;
ALTER TABLE etl.touched_calls {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS cart_qty UInt32 AFTER route,
    ADD COLUMN IF NOT EXISTS cart_price Float64 AFTER cart_qty,
    ADD COLUMN IF NOT EXISTS account_id UInt64 AFTER cart_price;
