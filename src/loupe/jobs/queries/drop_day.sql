-- Drops one day's partition of a day-partitioned table: a staging table before a full build,
-- a kept dwh partition once its publish ended, an old day of parsed calls.
ALTER TABLE {table_db:Identifier}.{table:Identifier} DROP PARTITION {day:Date}
