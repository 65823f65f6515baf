-- The newest snapshot id in an entity's history (history/snapshot.py: a run's id is above it).
SELECT max(snapshot_id) FROM {table_db:Identifier}.{table:Identifier}
