-- etl.visit_calls keeps the rows an hourly run replaced instead of deleting them: each row carries
-- the version of the build that wrote its visit (0 from a full day build, the run's watermark in
-- milliseconds from an hourly run), and an hourly run reads each visit's latest version only
-- (jobs/sql/visit_calls.sql). A full build of the day rewrites the partition and drops the rest.
ALTER TABLE etl.visit_calls {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS version UInt64;
