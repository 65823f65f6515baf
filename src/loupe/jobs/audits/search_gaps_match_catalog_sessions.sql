-- audit: dwh.search_gaps counts the day's first-page catalog calls (bots excluded), soundly
-- Offending rows: the day's totals when the combinations' searches, zero results or unclicked
-- results differ from dwh.catalog_sessions', and any combination with more zero-result or
-- unclicked asks than asks. Grain: day (the totals) and day x filter combination.
SELECT '' AS section, '' AS material, g.counts AS rollup, c.counts AS from_catalog_sessions
FROM (
    SELECT (sum(searches), sum(zero_result), sum(no_click)) AS counts
    FROM dwh.search_gaps WHERE date = {day:Date}
) AS g
CROSS JOIN (
    SELECT (count(), countIf(is_zero_result), countIf(NOT is_zero_result AND clicked_product_id = 0))
        AS counts
    FROM dwh.catalog_sessions WHERE date = {day:Date} AND page = 1 AND NOT is_bot
) AS c
WHERE g.counts != c.counts
UNION ALL
SELECT section, material, (searches, zero_result, no_click), (searches, zero_result, no_click)
FROM dwh.search_gaps
WHERE date = {day:Date} AND zero_result + no_click > searches
