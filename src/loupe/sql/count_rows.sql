-- The rows of one table (what a run staged or wrote).
SELECT count() FROM {table_db:Identifier}.{table:Identifier}
