-- etl.job_runs: one row per job run (grain: run; time column: started_at). `status` is
-- `success` or `failed`. Hourly runs keep their progress: `watermark`, the newest `received_at`
-- covered, and `ts_watermark`, the newest call time covered (late calls are looked for behind it).
-- ORDER BY (job, started_at): read as "the last runs of job X".
CREATE TABLE IF NOT EXISTS {{ ddl.table("etl.job_runs") }} {{ ddl.on_cluster }}
(
    run_id UUID,
    job LowCardinality(String),
    range_start Date,
    range_end Date,
    started_at DateTime64(3, 'UTC'),
    finished_at DateTime64(3, 'UTC'),
    rows_written UInt64,
    status LowCardinality(String),
    error String,
    watermark DateTime64(3, 'UTC'),
    ts_watermark DateTime64(3, 'UTC')
)
ENGINE = {{ ddl.engine("etl.job_runs") }}
PARTITION BY toYYYYMM(started_at)
ORDER BY (job, started_at)
{{ ddl.settings() }};

{{ ddl.distributed("etl.job_runs", "rand()") }}
