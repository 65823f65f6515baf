-- job: after=sessions per_visit
-- etl.product_sessions for one business day: one row per (visit, product) the visit viewed,
-- favorited, carted or bought, counting successful calls only (grain: visit x product; time
-- column: first_view_ts). source: the list the product was first reached from: the visit's last
-- list call before the first touch that showed it (a search, the catalog, favorites, the cart),
-- or `direct`; list_position: its position in that list (an ASOF join on the list calls'
-- products, exploded and kept only for the products the visit touched). cart_adds and
-- purchased_qty are quantities; revenue = sum of qty x price of the product's order lines
-- (before promo discounts).
INSERT INTO etl.product_sessions
WITH
    touches AS (
        SELECT visit_id, product_id, event_type, seq, ts, qty, product_price, toFloat64(0) AS line_price
        FROM etl.{calls:Identifier}
        WHERE date = {day:Date} AND is_ok AND product_id > 0
          AND event_type IN ('product_view', 'favorite_add', 'favorite_remove', 'cart_add', 'cart_remove')
        UNION ALL
        SELECT visit_id, line.product_id, 'purchase', seq, ts, line.qty, 0, line.price
        FROM etl.{calls:Identifier}
        ARRAY JOIN order_items AS line
        WHERE date = {day:Date} AND is_ok AND event_type = 'order'
    ),
    per_product AS (
        SELECT visit_id, product_id,
            countIf(event_type = 'product_view') AS views,
            minIf(ts, event_type = 'product_view') AS first_view,
            if(views > 0, minIf(seq, event_type = 'product_view'), min(seq)) AS first_touch_seq,
            argMinIf(product_price, seq, event_type = 'product_view') AS price_at_view,
            countIf(event_type = 'favorite_add') AS favorite_adds,
            countIf(event_type = 'favorite_remove') AS favorite_removes,
            sumIf(qty, event_type = 'cart_add') AS cart_adds,
            countIf(event_type = 'cart_remove') AS cart_removes,
            sumIf(qty, event_type = 'purchase') AS purchased_qty,
            sumIf(qty * line_price, event_type = 'purchase') AS revenue
        FROM touches
        GROUP BY visit_id, product_id
    ),
    shown AS (
        -- Each product a list call showed, once per call, with its position, for the products the
        -- visit touched.
        SELECT visit_id, product_id, seq AS list_seq, kind,
            toUInt32(if(kind IN ('search', 'catalog'), (page - 1) * per_page, 0) + index) AS list_position
        FROM (
            SELECT visit_id, seq, list_ids, page, per_page,
                multiIf(event_type = 'catalog' AND q != '', 'search', event_type = 'catalog', 'catalog',
                        event_type = 'favorites_view', 'favorites', 'cart') AS kind
            FROM etl.{calls:Identifier}
            WHERE date = {day:Date} AND is_ok AND event_type IN ('catalog', 'favorites_view', 'cart_view')
        )
        ARRAY JOIN list_ids AS product_id, arrayEnumerate(list_ids) AS index,
            arrayEnumerateUniq(list_ids) AS occurrence
        WHERE occurrence = 1 AND (visit_id, product_id) IN (SELECT visit_id, product_id FROM touches)
    ),
    sourced AS (
        SELECT p.*, l.list_seq AS list_seq, l.kind AS kind, l.list_position AS position
        FROM per_product AS p
        ASOF LEFT JOIN shown AS l
            ON l.visit_id = p.visit_id AND l.product_id = p.product_id AND l.list_seq < p.first_touch_seq
    )
SELECT
    s.date AS date,
    p.visit_id AS visit_id,
    s.session_id AS session_id,
    p.product_id AS product_id,
    p.views AS views,
    if(p.views > 0, p.first_view, NULL) AS first_view_ts,
    if(p.list_seq = 0, 'direct', p.kind) AS source,
    p.position AS list_position,
    p.favorite_adds AS favorite_adds,
    p.favorite_removes AS favorite_removes,
    p.cart_adds AS cart_adds,
    p.cart_removes AS cart_removes,
    p.purchased_qty AS purchased_qty,
    p.revenue AS revenue,
    p.price_at_view AS price_at_view,
    s.device_type AS device_type,
    s.user_type AS user_type,
    s.is_bot AS is_bot
FROM sourced AS p
INNER JOIN etl.sessions AS s ON s.visit_id = p.visit_id AND s.date = {day:Date}
SETTINGS join_use_nulls = 0, {{ insert_settings }}
