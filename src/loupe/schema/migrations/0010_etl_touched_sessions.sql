-- etl.touched_sessions: the sessions an hourly run rebuilds (those with newly received calls).
-- Refilled by each hourly run; ORDER BY session_id for the IN lookups of the jobs.
CREATE TABLE IF NOT EXISTS etl.touched_sessions {{ ddl.on_cluster }}
(
    session_id String
)
ENGINE = MergeTree
ORDER BY session_id;
