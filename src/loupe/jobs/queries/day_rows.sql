-- The rows of one day's partition of a day-partitioned table (jobs/run.py).
SELECT count() FROM {table_db:Identifier}.{table:Identifier} WHERE date = {day:Date}
