-- The latest attempt of each scheduled job, and its newest success (grain: job; time column:
-- started_at). `loupe status` shows one line per job from it.
SELECT
    job,
    argMax(slot, started_at) AS slot,
    argMax(status, started_at) AS status,
    max(started_at) AS started_at,
    argMax(finished_at, started_at) AS finished_at,
    argMax(error, started_at) AS error,
    maxIf(slot, status = 'success') AS last_success_slot,
    countIf(status = 'success') AS successes
FROM etl.scheduler_runs
GROUP BY job
