-- Copy the production catalog with each item's stock into etl.dim_items (grain: item), to
-- replace dwh.items at once.
INSERT INTO etl.dim_items
SELECT
    i.id, i.sku, i.section, i.material, i.metal, i.stone, i.motif, i.price, i.old_price,
    toDateTime64(i.updated_at, 3, 'UTC'), toInt64(ifNull(s.quantity, 0)),
    {refreshed_at:DateTime64(3, 'UTC')}
FROM mysql.items AS i
LEFT JOIN mysql.stock AS s ON s.item_id = i.id
