-- When a job's last successful run with a watermark took its snapshot (a full snapshot run of a
-- history entity: history/snapshot.py); no row when it never had one.
SELECT max(watermark) FROM etl.job_runs
WHERE job = {job:String} AND status = 'success' AND watermark > 0
HAVING count() > 0
