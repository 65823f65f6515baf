-- How many of the scheduler's tables (migration 0040) exist: 2 when it can run.
SELECT count() FROM system.tables WHERE database = 'etl' AND name IN ('scheduler_runs', 'job_locks')
