-- Replaces the one partition of a table without PARTITION BY with another table's (hard links,
-- atomic for readers): the weekly cohort tables (`whole` jobs, publish.py). The source cannot be
-- a query parameter (docs/schema.md), so it is rendered.
ALTER TABLE {table_db:Identifier}.{table:Identifier} REPLACE PARTITION tuple()
FROM {{ source | identifier }}
SETTINGS allow_replace_partition_from_empty_source = 1
