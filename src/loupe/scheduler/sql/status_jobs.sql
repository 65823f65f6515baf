-- The latest attempt of each scheduled job, and its newest success (grain: job; time column:
-- started_at). `loupe status` shows one line per job from it. (Aliases differ from the column
-- names: ClickHouse would otherwise read `started_at` inside argMax as the aggregate.)
SELECT
    job,
    argMax(slot, started_at) AS last_slot,
    argMax(status, started_at) AS last_status,
    max(started_at) AS last_started,
    argMax(finished_at, started_at) AS last_finished,
    argMax(error, started_at) AS last_error,
    maxIf(slot, status = 'success') AS last_success_slot,
    min(started_at) AS first_started,
    countIf(status = 'success') AS successes
FROM etl.scheduler_runs
GROUP BY job
