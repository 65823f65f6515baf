-- audit: dwh.sessions has one row per visit
-- Offending rows: each visit_id of the day that appears more than once. Grain: visit.
SELECT visit_id, count() AS rows
FROM dwh.sessions
WHERE date = {day:Date}
GROUP BY visit_id
HAVING rows > 1
