-- Drop the staged rows of erased persons (grain: row) before they reach history, a dimension
-- copy or the reconciliation: rows whose {column} is one of {values} (as text). Synchronous.
ALTER TABLE {table_db:Identifier}.{table:Identifier}
DELETE WHERE toString({column:Identifier}) IN {values:Array(String)}
SETTINGS mutations_sync = 2
