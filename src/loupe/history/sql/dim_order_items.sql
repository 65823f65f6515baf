-- Copy the production order lines into etl.dim_order_items (grain: order line) with their
-- order's business day, to replace dwh.order_items at once;
-- lines of orders before {keep_from} (older than the days dwh keeps) are left out.
INSERT INTO etl.dim_order_items
SELECT
    toDate(toDateTime64(o.created_at, 3, 'UTC'), {timezone:String}), l.order_id, l.item_id,
    l.qty, l.price, {refreshed_at:DateTime64(3, 'UTC')}
FROM mysql.order_items AS l
INNER JOIN mysql.orders AS o ON o.id = l.order_id
WHERE toDate(toDateTime64(o.created_at, 3, 'UTC'), {timezone:String}) >= {keep_from:Date}
