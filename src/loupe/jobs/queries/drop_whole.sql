-- Empties a table without PARTITION BY by dropping its one partition: a kept `whole` table once
-- its publish ended (publish.py). An ALTER like the publish's other statements, so a stop
-- request lets it through with them (scheduler/guard.py).
ALTER TABLE {table_db:Identifier}.{table:Identifier} DROP PARTITION tuple()
