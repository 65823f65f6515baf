-- The day's search queries (as etl.visit_calls keeps them: trimmed, lower case, spaces
-- collapsed) that dwh.search_queries does not know yet.
SELECT DISTINCT q FROM etl.visit_calls
WHERE date = {day:Date} AND event_type = 'catalog' AND q != ''
  AND q NOT IN (SELECT q FROM dwh.search_queries)
