-- etl.touched_sessions gets the time of each session's first new call: the visits that end more
-- than the visit gap before it cannot change (jobs/queries/hourly_affected_visits.sql).
ALTER TABLE etl.touched_sessions {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS first_new_ts DateTime64(3, 'UTC');
