-- etl.visitors: which sessions and users have visits on which day, for `is_returning` (an earlier
-- visit of the session or user). Grain: key x day; key = sipHash64('session', session_id) or
-- sipHash64('user', user_id) (a 64-bit hash: two keys colliding is a 1-in-10^19 event per pair).
-- It mirrors the keys of dwh.sessions: every build of a day rewrites the keys it can change
-- (jobs/queries/update_visitors.sql), and an empty table is filled from dwh.sessions
-- (fill_visitors.sql). ORDER BY (key, date) with small granules: a build looks up only its
-- visits' keys and reads the granules that hold them, not the history of dwh.sessions. A key that
-- leaves a day gets a tombstone (is_deleted): a (key, day) counts if its latest version is not one.
CREATE TABLE IF NOT EXISTS etl.visitors {{ ddl.on_cluster }}
(
    key UInt64,
    date Date,
    version UInt64,
    is_deleted UInt8
)
ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (key, date)
SETTINGS index_granularity = 256;
