-- job: after=sessions per_visit
-- etl.catalog_sessions for one business day: one row per successful catalog or search call
-- (grain: call; time column: ts), from etl.visit_calls and the day's etl.sessions.
-- clicked_product_id: the first product of the call's result list viewed after it and before the
-- visit's next catalog call; clicked_position = (page - 1) * per_page + its 1-based index.
-- led_to_cart: the clicked product was added to the cart after that view.
-- is_refinement: same query as the visit's previous catalog call, with other filters or sort.
-- price_band: the filter's upper bound (or lower, if only that) in bands; `any` without one.
-- q_normalized: the query's normal form from dwh.search_queries (jobs/search_queries.py), which
-- the day build fills with the day's new queries before this job runs.
INSERT INTO etl.catalog_sessions
WITH
    views AS (
        SELECT visit_id, arraySort(groupArray((seq, product_id))) AS viewed
        FROM etl.{calls:Identifier}
        WHERE date = {day:Date} AND event_type = 'product_view' AND is_ok
        GROUP BY visit_id
    ),
    carts AS (
        SELECT visit_id, groupArray((seq, product_id)) AS carted
        FROM etl.{calls:Identifier}
        WHERE date = {day:Date} AND event_type = 'cart_add' AND is_ok
        GROUP BY visit_id
    ),
    catalog AS (
        SELECT *,
            (q, section, material, metal, stone, ifNull(price_min, -1), ifNull(price_max, -1), sort)
                AS listing,
            leadInFrame(seq, 1, toUInt32(4294967295)) OVER visit_order AS next_catalog_seq,
            lagInFrame(seq, 1, toUInt32(0)) OVER visit_order AS previous_seq,
            lagInFrame(listing) OVER visit_order AS previous_listing
        FROM etl.{calls:Identifier}
        WHERE date = {day:Date} AND event_type = 'catalog' AND is_ok
        WINDOW visit_order AS (PARTITION BY visit_id ORDER BY seq ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING)
    ),
    clicks AS (
        SELECT c.*,
            arrayFirst(v -> v.1 > c.seq AND v.1 < c.next_catalog_seq AND has(c.list_ids, v.2), w.viewed)
                AS clicked,
            k.carted AS carted
        FROM catalog AS c
        LEFT JOIN views AS w ON w.visit_id = c.visit_id
        LEFT JOIN carts AS k ON k.visit_id = c.visit_id
    ),
    normal_forms AS (
        SELECT q, any(q_normalized) AS q_normalized FROM dwh.search_queries
        WHERE q IN (SELECT q FROM catalog WHERE q != '')
        GROUP BY q
    )
SELECT
    c.date AS date,
    c.visit_id AS visit_id,
    c.session_id AS session_id,
    c.event_id AS event_id,
    c.ts AS ts,
    c.seq AS seq,
    c.q AS q,
    if(c.q = '', '', n.q_normalized) AS q_normalized,
    c.q != '' AS is_search,
    c.section AS section,
    c.material AS material,
    c.metal AS metal,
    c.stone AS stone,
    c.price_min AS price_min,
    c.price_max AS price_max,
    multiIf(c.price_min IS NULL AND c.price_max IS NULL, 'any',
            coalesce(c.price_max, c.price_min) <= 5000, 'up_to_5k',
            coalesce(c.price_max, c.price_min) <= 20000, '5k_20k',
            coalesce(c.price_max, c.price_min) <= 50000, '20k_50k',
            '50k_plus') AS price_band,
    c.sort AS sort,
    c.page AS page,
    c.per_page AS per_page,
    c.results_total AS results_total,
    c.results_total = 0 AS is_zero_result,
    c.previous_seq > 0 AND c.previous_listing.1 = c.q AND c.previous_listing != c.listing
        AS is_refinement,
    c.clicked.2 AS clicked_product_id,
    if(c.clicked.2 > 0, toUInt32((c.page - 1) * c.per_page + indexOf(c.list_ids, c.clicked.2)), 0)
        AS clicked_position,
    c.clicked.2 > 0 AND arrayExists(k -> k.1 > c.clicked.1 AND k.2 = c.clicked.2, c.carted) AS led_to_cart,
    s.device_type AS device_type,
    s.user_type AS user_type,
    s.is_bot AS is_bot
FROM clicks AS c
LEFT JOIN normal_forms AS n ON n.q = c.q
-- The visit's columns; an hourly run reads only its rebuilt visits' (the join builds its hash
-- table from this side, which would otherwise hold the whole day).
INNER JOIN (
    SELECT date, visit_id, device_type, user_type, is_bot FROM etl.sessions
    WHERE date = {day:Date}
{%- if incremental %}
      AND visit_id IN (SELECT visit_id FROM etl.{calls:Identifier} WHERE date = {day:Date})
{%- endif %}
) AS s ON s.visit_id = c.visit_id
SETTINGS {{ insert_settings }}
