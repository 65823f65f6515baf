-- Copy the production catalog with each item's stock into etl.dim_items (grain: item), to
-- replace dwh.items at once. `label`: the item's name, from the column entities.yaml configures
-- (`named`: the production table has it; the name is bound as {label:Identifier}), else, and for
-- a NULL or blank name, `SKU · section` (`RNG-000123 · rings`).
INSERT INTO etl.dim_items
SELECT
    i.id, i.sku,
{%- if named %}
    ifNull(nullIf(trimBoth(toString(i.{label:Identifier})), ''), concat(i.sku, ' · ', i.section)),
{%- else %}
    concat(i.sku, ' · ', i.section),
{%- endif %}
    i.section, i.material, i.metal, i.stone, i.motif, i.price, i.old_price,
    toDateTime64(i.updated_at, 3, 'UTC'), toInt64(ifNull(s.quantity, 0)),
    {refreshed_at:DateTime64(3, 'UTC')}
FROM mysql.items AS i
LEFT JOIN mysql.stock AS s ON s.item_id = i.id
