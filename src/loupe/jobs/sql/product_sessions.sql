-- job: after=sessions per_visit
-- etl.product_sessions for one business day: one row per (visit, product) the visit viewed,
-- favorited, carted or bought, counting successful calls only (grain: visit x product; time
-- column: first_view_ts). source: the list the product was first reached from: the visit's last
-- list call before the first touch that showed it (a search, the catalog, favorites, the cart),
-- or `direct`; list_position: its position in that list. cart_adds and purchased_qty are
-- quantities; revenue = sum of qty x price of the product's order lines (before promo discounts).
-- viewed_out_of_stock: a product page of the visit answered with stock 0 (or less).
-- A list call's products are looked up only for the products its visit touched (indexOf on the
-- list, not one row per listed product), and the appearances aggregate with the touches in one
-- GROUP BY (no join back).
INSERT INTO etl.product_sessions
WITH
    touches AS (
        SELECT visit_id, product_id, event_type, seq, ts, qty, product_price, toFloat64(0) AS line_price,
            toUInt8(event_type = 'product_view' AND ifNull(stock <= 0, 0)) AS out_of_stock
        FROM etl.{calls:Identifier}
        WHERE date = {day:Date} AND is_ok AND product_id > 0
          AND event_type IN ('product_view', 'favorite_add', 'favorite_remove', 'cart_add', 'cart_remove')
        UNION ALL
        SELECT visit_id, line.product_id, 'purchase', seq, ts, line.qty, 0, line.price, 0
        FROM etl.{calls:Identifier}
        ARRAY JOIN order_items AS line
        WHERE date = {day:Date} AND is_ok AND event_type = 'order'
    ),
    touched_products AS (
        SELECT visit_id, groupUniqArray(product_id) AS products FROM touches GROUP BY visit_id
    ),
    shown AS (
        -- Each product the visit touched that a list call showed, with the call's seq, the kind of
        -- list and the product's position in it (its first occurrence).
        SELECT visit_id, product_id, list_seq, kind,
            toUInt32(if(kind IN ('search', 'catalog'), (page - 1) * per_page, 0) + index) AS list_position
        FROM (
            SELECT l.visit_id AS visit_id, l.seq AS list_seq, l.page AS page, l.per_page AS per_page,
                l.kind AS kind, t.products AS products,
                arrayMap(product -> indexOf(l.list_ids, product), t.products) AS indexes
            FROM (
                SELECT visit_id, seq, list_ids, page, per_page,
                    multiIf(event_type = 'catalog' AND q != '', 'search', event_type = 'catalog', 'catalog',
                            event_type = 'favorites_view', 'favorites', 'cart') AS kind
                FROM etl.{calls:Identifier}
                WHERE date = {day:Date} AND is_ok AND event_type IN ('catalog', 'favorites_view', 'cart_view')
            ) AS l
            INNER JOIN touched_products AS t ON t.visit_id = l.visit_id
        )
        ARRAY JOIN products AS product_id, indexes AS index
        WHERE index > 0
    ),
    per_product AS (
        SELECT visit_id, product_id,
            countIf(event_type = 'product_view') AS views,
            minIf(ts, event_type = 'product_view') AS first_view,
            if(views > 0, minIf(seq, event_type = 'product_view'), minIf(seq, event_type != 'shown'))
                AS first_touch_seq,
            argMinIf(product_price, seq, event_type = 'product_view') AS price_at_view,
            max(out_of_stock) AS viewed_out_of_stock,
            countIf(event_type = 'favorite_add') AS favorite_adds,
            countIf(event_type = 'favorite_remove') AS favorite_removes,
            sumIf(qty, event_type = 'cart_add') AS cart_adds,
            countIf(event_type = 'cart_remove') AS cart_removes,
            sumIf(qty, event_type = 'purchase') AS purchased_qty,
            sumIf(qty * line_price, event_type = 'purchase') AS revenue,
            -- The last list call before the first touch that showed the product; (0, '', 0) if none.
            arrayLast(
                appearance -> appearance.1 < first_touch_seq,
                arraySort(groupArrayIf((list_seq, kind, list_position), event_type = 'shown'))
            ) AS source_list
        FROM (
            SELECT visit_id, product_id, event_type, seq, ts, qty, product_price, line_price, out_of_stock,
                toUInt32(0) AS list_seq, '' AS kind, toUInt32(0) AS list_position
            FROM touches
            UNION ALL
            SELECT visit_id, product_id, 'shown', 0, toDateTime64(0, 3, 'UTC'), 0, 0, 0, 0, list_seq, kind,
                list_position
            FROM shown
        )
        GROUP BY visit_id, product_id
    )
SELECT
    s.date AS date,
    p.visit_id AS visit_id,
    s.session_id AS session_id,
    p.product_id AS product_id,
    p.views AS views,
    if(p.views > 0, p.first_view, NULL) AS first_view_ts,
    if(p.source_list.1 = 0, 'direct', p.source_list.2) AS source,
    p.source_list.3 AS list_position,
    p.favorite_adds AS favorite_adds,
    p.favorite_removes AS favorite_removes,
    p.cart_adds AS cart_adds,
    p.cart_removes AS cart_removes,
    p.purchased_qty AS purchased_qty,
    p.revenue AS revenue,
    p.price_at_view AS price_at_view,
    p.viewed_out_of_stock AS viewed_out_of_stock,
    s.device_type AS device_type,
    s.user_type AS user_type,
    s.is_bot AS is_bot
FROM per_product AS p
-- The visit's columns; an hourly run reads only its rebuilt visits' (the join builds its hash
-- table from this side, which would otherwise hold the whole day).
INNER JOIN (
    SELECT date, visit_id, session_id, device_type, user_type, is_bot FROM etl.sessions
    WHERE date = {day:Date}
{%- if incremental %}
      AND visit_id IN (SELECT visit_id FROM etl.{calls:Identifier} WHERE date = {day:Date})
{%- endif %}
) AS s ON s.visit_id = p.visit_id
SETTINGS join_use_nulls = 0, {{ insert_settings }}
