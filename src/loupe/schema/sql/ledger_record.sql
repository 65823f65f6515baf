-- Records one applied migration in the ledger (schema/migrate.py).
INSERT INTO etl.schema_migrations (version, name, checksum)
VALUES ({version:UInt32}, {name:String}, {checksum:String})
