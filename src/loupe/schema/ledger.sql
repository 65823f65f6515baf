-- The migrations ledger: one row per applied migration file (version, checksum, time).
-- Created before any migration runs; ORDER BY version because it is read whole, in order.
CREATE DATABASE IF NOT EXISTS etl {{ ddl.on_cluster }};

CREATE TABLE IF NOT EXISTS {{ ddl.table("etl.schema_migrations") }} {{ ddl.on_cluster }}
(
    version UInt32,
    name String,
    checksum String,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {{ ddl.engine("etl.schema_migrations") }}
ORDER BY version
{{ ddl.settings() }};

{{ ddl.distributed("etl.schema_migrations", "0") }}
