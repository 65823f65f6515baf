-- etl.touched_calls keeps the columns of etl.visit_calls (its parts are attached there), now with
-- the version of the build (0045).
ALTER TABLE etl.touched_calls {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS version UInt64;
