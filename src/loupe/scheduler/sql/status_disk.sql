-- Disk use per database: active parts (grain: database).
SELECT database, sum(bytes_on_disk) AS bytes, sum(rows) AS rows
FROM system.parts
WHERE active AND database NOT IN ('system', 'INFORMATION_SCHEMA', 'information_schema')
GROUP BY database
ORDER BY database
