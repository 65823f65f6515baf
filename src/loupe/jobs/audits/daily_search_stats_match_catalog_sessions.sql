-- audit: dwh.daily_search_stats is the sum of the day's searches (bots excluded)
-- Offending rows: the queries of the day whose rollup differs from dwh.catalog_sessions, with
-- both sides. Grain: day x normalised query.
SELECT q, d.counts AS rollup, c.counts AS from_catalog_sessions
FROM (
    SELECT q, (searches, zero_result_searches, clicks, carts) AS counts
    FROM dwh.daily_search_stats
    WHERE date = {day:Date}
) AS d
FULL OUTER JOIN (
    SELECT q,
        (count(), countIf(is_zero_result), countIf(clicked_product_id > 0), countIf(led_to_cart)) AS counts
    FROM dwh.catalog_sessions
    WHERE date = {day:Date} AND is_search AND NOT is_bot
    GROUP BY q
) AS c USING (q)
WHERE d.counts != c.counts
SETTINGS join_use_nulls = 0
