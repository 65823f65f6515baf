-- etl.affected_visits: the visits an hourly run rebuilds, refilled by each run. Their rows leave
-- etl.visit_calls and the staged per-visit tables before the rebuilt ones are added.
-- ORDER BY visit_id for the IN lookups.
CREATE TABLE IF NOT EXISTS etl.affected_visits {{ ddl.on_cluster }}
(
    visit_id UInt64,
    date Date,
    session_id String,
    start_ts DateTime64(3, 'UTC')
)
ENGINE = MergeTree
ORDER BY visit_id;
