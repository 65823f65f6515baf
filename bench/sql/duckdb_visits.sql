-- The peer: the same visit and product-session aggregation as Loupe's jobs (deduplicate by
-- event_id, 30-minute visits capped at 24 hours, successful actions, order lines), in DuckDB,
-- over the same calls exported to Parquet ($calls). Returns visits and product rows.
CREATE OR REPLACE TEMP TABLE visit_calls AS
WITH
    calls AS (
        SELECT * FROM read_parquet($calls) QUALIFY row_number() OVER (PARTITION BY event_id) = 1
    ),
    typed AS (
        SELECT *, status < 400 AS is_ok,
            CASE
                WHEN method = 'GET' AND regexp_matches(endpoint, '^/api/v1/catalog/?$') THEN 'catalog'
                WHEN method = 'GET' AND regexp_matches(endpoint, '^/api/v1/products/\d+/?$') THEN 'product_view'
                WHEN method = 'POST' AND regexp_matches(endpoint, '^/api/v1/favorites/?$') THEN 'favorite_add'
                WHEN method = 'POST' AND regexp_matches(endpoint, '^/api/v1/cart/?$') THEN 'cart_add'
                WHEN method = 'POST' AND regexp_matches(endpoint, '^/api/v1/orders/?$') THEN 'order'
                ELSE 'other'
            END AS event_type
        FROM calls
    ),
    gaps AS (
        SELECT *, coalesce(epoch_ms(ts) - epoch_ms(lag(ts) OVER (PARTITION BY session_id ORDER BY ts, event_id)) > 1800000, true)::INT AS starts
        FROM typed
    ),
    segments AS (
        SELECT *, sum(starts) OVER (PARTITION BY session_id ORDER BY ts, event_id ROWS UNBOUNDED PRECEDING) AS segment
        FROM gaps
    )
SELECT *,
    (epoch_ms(ts) - epoch_ms(min(ts) OVER (PARTITION BY session_id, segment))) // 86400000 AS cap_part
FROM segments;

CREATE OR REPLACE TEMP TABLE visits AS
SELECT session_id, segment, cap_part, min(ts) AS start_ts, max(ts) AS end_ts,
    count(*) AS calls,
    count(*) FILTER (event_type = 'catalog' AND is_ok) AS catalog_calls,
    count(*) FILTER (event_type = 'catalog' AND is_ok AND coalesce(request ->> '$.q', '') <> '') AS searches,
    count(*) FILTER (event_type = 'product_view' AND is_ok) AS product_views,
    count(*) FILTER (event_type = 'favorite_add' AND is_ok) AS favorite_adds,
    count(*) FILTER (event_type = 'cart_add' AND is_ok) AS cart_adds,
    count(*) FILTER (event_type = 'order' AND is_ok) AS orders,
    coalesce(sum(CAST(response ->> '$.total' AS DOUBLE)) FILTER (event_type = 'order' AND is_ok), 0) AS revenue,
    max(user_id) AS user_id,
    count(*) FILTER (status >= 400) AS errors
FROM visit_calls
GROUP BY session_id, segment, cap_part;

CREATE OR REPLACE TEMP TABLE product_visits AS
WITH touches AS (
    SELECT session_id, segment, cap_part, event_type,
        CASE WHEN event_type = 'product_view' THEN CAST(regexp_extract(endpoint, '(\d+)/?$', 1) AS BIGINT)
             ELSE CAST(request ->> '$.product_id' AS BIGINT) END AS product_id,
        CASE WHEN event_type = 'cart_add' THEN CAST(request ->> '$.qty' AS BIGINT) ELSE 0 END AS qty
    FROM visit_calls WHERE is_ok AND event_type IN ('product_view', 'favorite_add', 'cart_add')
    UNION ALL
    SELECT session_id, segment, cap_part, 'purchase',
        CAST(line ->> '$.product_id' AS BIGINT), CAST(line ->> '$.qty' AS BIGINT)
    FROM (SELECT session_id, segment, cap_part, unnest(CAST(request -> '$.items' AS JSON[])) AS line
          FROM visit_calls WHERE is_ok AND event_type = 'order')
)
SELECT session_id, segment, cap_part, product_id,
    count(*) FILTER (event_type = 'product_view') AS views,
    count(*) FILTER (event_type = 'favorite_add') AS favorite_adds,
    sum(qty) FILTER (event_type = 'cart_add') AS cart_adds,
    sum(qty) FILTER (event_type = 'purchase') AS purchased_qty
FROM touches
GROUP BY ALL;

SELECT (SELECT count(*) FROM visits) AS visits, (SELECT count(*) FROM product_visits) AS product_rows;
