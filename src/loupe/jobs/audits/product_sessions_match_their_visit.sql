-- audit: each visit's product sessions add up to its product views and carry its columns
-- Offending rows: the day's visits whose product views or distinct products in dwh.sessions
-- differ from what their rows in dwh.product_sessions add up to, and visits whose product rows
-- have no visit or carry another session, device type, user type or bot flag. Grain: visit.
SELECT if(p.visit_id != 0, p.visit_id, s.visit_id) AS visit_id,
    p.total_views AS product_session_views, s.product_views AS visit_product_views,
    p.viewed_products AS viewed_products, s.distinct_products AS visit_distinct_products
FROM (
    SELECT visit_id, sum(views) AS total_views, countIf(views > 0) AS viewed_products,
        groupUniqArray((session_id, device_type, user_type, is_bot)) AS visit_columns
    FROM dwh.product_sessions
    WHERE date = {day:Date}
    GROUP BY visit_id
) AS p
FULL OUTER JOIN (SELECT * FROM dwh.sessions WHERE date = {day:Date}) AS s ON s.visit_id = p.visit_id
WHERE p.total_views != s.product_views OR p.viewed_products != s.distinct_products
   OR (p.visit_id != 0 AND (s.visit_id = 0
       OR p.visit_columns != [(s.session_id, s.device_type, s.user_type, s.is_bot)]))
SETTINGS join_use_nulls = 0
