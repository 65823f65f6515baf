-- Replaces one day's partition of a table with another table's (hard links, no copy): publishing
-- a day (publish.py), carrying a day of dwh over into staging (run.py). ClickHouse 26 refuses an
-- empty source partition unless told that dropping is meant: a day may have no rows yet, or none
-- any more. The source of REPLACE PARTITION ... FROM cannot be a query parameter
-- (docs/schema.md), so it is rendered.
ALTER TABLE {table_db:Identifier}.{table:Identifier} REPLACE PARTITION {day:Date}
FROM {{ source | identifier }}
SETTINGS allow_replace_partition_from_empty_source = 1
