-- Failed runs since {since}: the scheduler's attempts and the ETL's own job runs (grain: run;
-- time column: started_at), newest first.
SELECT 'scheduler' AS source, job, started_at, error
FROM etl.scheduler_runs
WHERE status = 'failed' AND started_at >= {since:DateTime64(3, 'UTC')}
UNION ALL
SELECT 'etl' AS source, toString(job) AS job, started_at, error
FROM etl.job_runs
WHERE status = 'failed' AND started_at >= {since:DateTime64(3, 'UTC')}
ORDER BY started_at DESC
LIMIT 50
