-- The newest successful slot per job (grain: job): catch-up starts after it.
SELECT job, max(slot) AS slot
FROM etl.scheduler_runs
WHERE status = 'success'
GROUP BY job
