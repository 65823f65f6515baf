-- etl.publishes: the journal of day publishes (jobs/publish.py), so that one cut short by a crash
-- is undone by the next build. Grain: one row per state a publish reaches: `swapping` (the day's
-- partitions are all kept in etl.previous_<job>, the swaps begin), then `done` or `undone`. A
-- publish whose last row is `swapping` died in the middle. `version` is the build's start time,
-- under which it wrote etl.visitors if `wrote_visitors`. Time column: recorded_at.
-- ORDER BY (day, version): read as "the publishes of a day". Rows older than 90 days go (TTL).
CREATE TABLE IF NOT EXISTS etl.publishes {{ ddl.on_cluster }}
(
    day Date,
    version UInt64,
    wrote_visitors Bool,
    jobs Array(String),
    state LowCardinality(String),
    recorded_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = MergeTree
ORDER BY (day, version)
TTL toDateTime(recorded_at) + INTERVAL 90 DAY;
