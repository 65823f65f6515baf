-- The business days whose visits a build swapped into dwh since {since}: day builds record their
-- jobs in etl.job_runs with the day as range_start (run.py). Oldest first.
SELECT DISTINCT range_start AS day
FROM etl.job_runs
WHERE job = 'sessions' AND status = 'success' AND finished_at >= {since:DateTime64(3, 'UTC')}
ORDER BY day
