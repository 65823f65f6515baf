-- The distinct values of one column of a staging table (grain: value), as text: which of them
-- are on the erasure list is decided by hashing them in Python (history/erased.py).
SELECT DISTINCT toString({column:Identifier}) AS value
FROM {table_db:Identifier}.{table:Identifier}
WHERE {column:Identifier} IS NOT NULL
