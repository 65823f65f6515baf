-- Drops one partition of a table by its id (retention.py: a day older than the days kept).
ALTER TABLE {table_db:Identifier}.{table:Identifier} DROP PARTITION ID {partition_id:String}
