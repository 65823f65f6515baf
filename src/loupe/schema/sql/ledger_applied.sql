-- The migrations ledger's rows (schema/migrate.py), in version order.
SELECT version, name, checksum, applied_at FROM etl.schema_migrations ORDER BY version
