-- dwh.icart: live inventory against open carts (grain: catalog item). Reads the production
-- database at query time through the `mysql` link: units of the item in carts (every `cart` row
-- is an open cart line; an order removes its lines), carts holding it, stock, and stock minus the
-- units in carts. `label` is the item's in the copy dwh.items (refreshed by every snapshot),
-- or `SKU · section` for an item the copy does not have yet. Created after the link exists
-- (`loupe init`, `loupe snapshot`: schema/link.py), never by a migration.
CREATE OR REPLACE VIEW dwh.icart AS
SELECT
    i.id AS item_id,
    i.sku AS sku,
    ifNull(nullIf(d.label, ''), concat(i.sku, ' · ', i.section)) AS label,
    i.section AS section,
    toInt64(ifNull(c.units_in_carts, 0)) AS units_in_carts,
    toUInt64(ifNull(c.carts, 0)) AS carts,
    toInt64(ifNull(s.quantity, 0)) AS stock,
    stock - units_in_carts AS available
FROM mysql.items AS i
LEFT JOIN mysql.stock AS s ON s.item_id = i.id
LEFT JOIN dwh.items AS d ON d.id = i.id
LEFT JOIN (
    SELECT item_id, sum(qty) AS units_in_carts, uniqExact(cart_key) AS carts
    FROM mysql.cart
    GROUP BY item_id
) AS c ON c.item_id = i.id
