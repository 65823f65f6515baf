-- The rows of one watched table and the newest value of its time column (loupe status).
SELECT count() AS rows, max({column:Identifier}) AS newest
FROM {table_db:Identifier}.{table:Identifier}
