-- audit: dwh.price_changes holds the views, cart adds and purchases of dwh.daily_product_stats
-- Offending rows: the rows of the audited day (the business day of changed_at plus day_offset)
-- whose views, cart_adds or purchased_qty differ from the item's row of that day in
-- dwh.daily_product_stats (bots excluded there too; 0 when the item has none), with both sides.
-- Grain: change x day offset.
SELECT p.item_id AS item_id, p.changed_at AS changed_at, p.day_offset AS day_offset,
    (p.views, p.cart_adds, p.purchased_qty) AS price_changes,
    (s.views, s.cart_adds, s.purchased_qty) AS daily_product_stats
FROM (
    SELECT * FROM dwh.price_changes
    WHERE toDate(changed_at, {timezone:String}) + day_offset = {day:Date}
) AS p
LEFT JOIN (
    SELECT product_id, views, cart_adds, purchased_qty
    FROM dwh.daily_product_stats WHERE date = {day:Date}
) AS s ON s.product_id = toUInt64(p.item_id)
WHERE price_changes != daily_product_stats
SETTINGS join_use_nulls = 0
