-- Release a lease: a row with released = 1 for its token (append-only; see 0040_etl_scheduler).
INSERT INTO etl.job_locks (lock_name, token, holder, acquired_at, expires_at, released)
SELECT {lock_name:String}, {token:UUID}, {holder:String}, now64(3, 'UTC'), now64(3, 'UTC'), 1
