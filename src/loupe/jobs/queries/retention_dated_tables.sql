-- The dated tables of `dwh` (retention.py): every MergeTree table with a `date` column (a
-- business day), and whether it is partitioned by that day; the dimension copies without one
-- (dwh.items, dwh.user_agents) and the views are left out.
SELECT t.name AS name, t.partition_key = 'date' AS by_day
FROM system.tables AS t
INNER JOIN system.columns AS c ON c.database = t.database AND c.table = t.name
WHERE t.database = 'dwh' AND t.engine LIKE '%MergeTree' AND c.name = 'date' AND c.type = 'Date'
ORDER BY name
