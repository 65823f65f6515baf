-- The tables that may hold a person's data (grain: table): every MergeTree-family table outside
-- the system databases with a column whose name matches one of {patterns} (user and session ids,
-- visit and order ids, IPs, bodies, payloads), with those columns. Views store nothing; the
-- `mysql` link is the production database itself (MySQL engine): neither is listed. Read from
-- system.columns at every erasure, so a table added later is erased too, or named as uncovered.
SELECT c.database AS database, c.table AS table, groupArray(c.name) AS columns
FROM system.columns AS c
INNER JOIN system.tables AS t ON t.database = c.database AND t.name = c.table
WHERE c.database NOT IN ('system', 'information_schema', 'INFORMATION_SCHEMA')
  AND t.engine LIKE '%MergeTree'
  AND multiMatchAny(c.name, {patterns:Array(String)})
GROUP BY c.database, c.table
ORDER BY database, table
