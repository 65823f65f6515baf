-- The live leases of a lock, the holder first (grain: token; time column: acquired_at). A token
-- is live while it has no release row and its newest expiry is in the future; the holder is the
-- earliest acquired live token (ties broken by token, so every reader picks the same one).
SELECT token, any(holder) AS holder, min(acquired_at) AS taken_at, max(expires_at) AS until
FROM etl.job_locks
WHERE lock_name = {lock_name:String}
GROUP BY token
HAVING max(released) = 0 AND max(expires_at) > now64(3, 'UTC')
ORDER BY taken_at, token
