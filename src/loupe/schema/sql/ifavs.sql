-- dwh.ifavs: live favorites against stock (grain: catalog item). Reads the production database
-- at query time through the `mysql` link: users who have the item in their favorites, and its
-- stock; `label` as in dwh.icart (from the copy dwh.items). Created after the link exists
-- (`loupe init`, `loupe snapshot`: schema/link.py), never by a migration.
CREATE OR REPLACE VIEW dwh.ifavs AS
SELECT
    i.id AS item_id,
    i.sku AS sku,
    ifNull(nullIf(d.label, ''), concat(i.sku, ' · ', i.section)) AS label,
    i.section AS section,
    toUInt64(ifNull(f.favorited_by, 0)) AS favorited_by,
    toInt64(ifNull(s.quantity, 0)) AS stock
FROM mysql.items AS i
LEFT JOIN mysql.stock AS s ON s.item_id = i.id
LEFT JOIN dwh.items AS d ON d.id = i.id
LEFT JOIN (
    SELECT item_id, uniqExact(user_id) AS favorited_by
    FROM mysql.favorites
    GROUP BY item_id
) AS f ON f.item_id = i.id
