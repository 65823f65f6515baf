-- Adds a snapshot run's new versions to the entity's history in one step: all of a run's rows
-- share valid_from, hence one month partition. The source of ATTACH PARTITION ... FROM cannot be
-- a query parameter (docs/schema.md), so it is rendered.
ALTER TABLE {table_db:Identifier}.{table:Identifier} ATTACH PARTITION {month:UInt32}
FROM {{ source | identifier }}
