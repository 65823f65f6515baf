-- Every live lease of every lock (grain: token): used to release leases of dead processes.
SELECT lock_name, token, any(holder) AS holder
FROM etl.job_locks
GROUP BY lock_name, token
HAVING max(released) = 0 AND max(expires_at) > now64(3, 'UTC')
