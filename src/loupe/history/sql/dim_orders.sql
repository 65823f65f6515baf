-- Copy the production orders into etl.dim_orders (grain: order), with the business day of
-- created_at (stored as UTC) in the `timezone` setting, to replace dwh.orders at once;
-- orders before {keep_from} (older than the days dwh keeps) are left out.
INSERT INTO etl.dim_orders
SELECT
    toDate(toDateTime64(created_at, 3, 'UTC'), {timezone:String}), id, user_id, session_id,
    toDateTime64(created_at, 3, 'UTC'), status, subtotal, discount, total, promo,
    {refreshed_at:DateTime64(3, 'UTC')}
FROM mysql.orders
WHERE toDate(toDateTime64(created_at, 3, 'UTC'), {timezone:String}) >= {keep_from:Date}
