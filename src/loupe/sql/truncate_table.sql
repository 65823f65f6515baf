-- Empties a staging table before it is filled again (history runs, hourly runs).
TRUNCATE TABLE {table_db:Identifier}.{table:Identifier}
