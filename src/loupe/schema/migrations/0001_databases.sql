-- The schemas: pd (raw data), dwh (analytical tables for BI), history (versioned snapshots of
-- the production database), etl (staging and bookkeeping). The `mysql` link schema is created by
-- `loupe init` only when a production database is configured.
CREATE DATABASE IF NOT EXISTS pd {{ ddl.on_cluster }};
CREATE DATABASE IF NOT EXISTS dwh {{ ddl.on_cluster }};
CREATE DATABASE IF NOT EXISTS history {{ ddl.on_cluster }};
CREATE DATABASE IF NOT EXISTS etl {{ ddl.on_cluster }};
