-- What the reader guard checks one statement against, in one statement (interface/guard.py):
-- every database that exists, then the engine and, for a view, the SELECT of each table the
-- statement names (`d` and `n`: their databases and names, pairwise). The first SELECT's aliases
-- name no column of system.databases: an alias `name` would stand for the column `name` there.
SELECT 'database' AS kind, name AS db, '' AS tbl, '' AS table_engine, '' AS view_select
FROM system.databases
UNION ALL
SELECT 'table', database, name, engine, as_select
FROM system.tables
WHERE (database, name) IN arrayZip({d:Array(String)}, {n:Array(String)})
