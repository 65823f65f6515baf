-- audit: dwh.product_sessions has one row per (visit, product)
-- Offending rows: each (visit_id, product_id) of the day that appears more than once.
SELECT visit_id, product_id, count() AS rows
FROM dwh.product_sessions
WHERE date = {day:Date}
GROUP BY visit_id, product_id
HAVING rows > 1
