-- Take or renew a lease: one row in etl.job_locks (grain: lease event). Times are the server's
-- own (now64), so every process compares leases on one clock.
INSERT INTO etl.job_locks (lock_name, token, holder, acquired_at, expires_at, released)
SELECT {lock_name:String}, {token:UUID}, {holder:String}, now64(3, 'UTC'),
    now64(3, 'UTC') + toIntervalMillisecond({ttl_ms:UInt64}), 0
