-- The newest `changed_since` value in an entity's history: where an incremental snapshot starts
-- reading (less the entity's lag); no row for an empty history.
SELECT max({column:Identifier}) FROM {table_db:Identifier}.{table:Identifier} HAVING count() > 0
