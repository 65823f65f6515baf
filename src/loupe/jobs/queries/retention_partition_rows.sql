-- The rows of one partition of a table (retention.py: what dropping it removes).
SELECT count() FROM {table_db:Identifier}.{table:Identifier}
WHERE _partition_id = {partition_id:String}
