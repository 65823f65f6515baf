-- etl.scheduler_runs: one row per attempt of a scheduled job at one slot (grain: job x slot x
-- attempt; time column: started_at). `slot` is the schedule instant the attempt ran for (the hour
-- for hourly jobs, the night for nightly ones); `status` is `success`, `failed` (retried with
-- backoff) or `interrupted` (SIGTERM: run again at the next start). The scheduler reads it to
-- find the slots missed since the last success (catch-up) and `loupe status` to show the runs.
CREATE TABLE IF NOT EXISTS {{ ddl.table("etl.scheduler_runs") }} {{ ddl.on_cluster }}
(
    job LowCardinality(String),
    slot DateTime64(3, 'UTC'),
    attempt UInt16,
    started_at DateTime64(3, 'UTC'),
    finished_at DateTime64(3, 'UTC'),
    status LowCardinality(String),
    error String,
    holder String
)
ENGINE = {{ ddl.engine("etl.scheduler_runs") }}
PARTITION BY toYYYYMM(started_at)
ORDER BY (job, slot, started_at)
{{ ddl.settings() }};

{{ ddl.distributed("etl.scheduler_runs", "rand()") }};

-- etl.job_locks: job leases, so a job never runs in two scheduler processes at once (grain: one
-- row per lease event; time column: acquired_at). A lease is a `token`; taking it inserts a row,
-- renewing inserts one with a later `expires_at`, releasing inserts one with `released = 1`. The
-- live holder of a lock is the earliest-acquired token that is neither released nor expired
-- (server time). Append-only on purpose: no mutations, so it works the same on chDB and servers.
CREATE TABLE IF NOT EXISTS {{ ddl.table("etl.job_locks") }} {{ ddl.on_cluster }}
(
    lock_name LowCardinality(String),
    token UUID,
    holder String,
    acquired_at DateTime64(3, 'UTC'),
    expires_at DateTime64(3, 'UTC'),
    released UInt8
)
ENGINE = {{ ddl.engine("etl.job_locks") }}
PARTITION BY toYYYYMM(acquired_at)
ORDER BY (lock_name, acquired_at, token)
TTL toDateTime(acquired_at) + INTERVAL 30 DAY
{{ ddl.settings() }};

{{ ddl.distributed("etl.job_locks", "rand()") }};
