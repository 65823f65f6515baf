-- The watermarks of the last successful hourly run (NULL-free: max over no rows is 0).
SELECT max(watermark) AS watermark, max(ts_watermark) AS ts_watermark FROM etl.job_runs
WHERE job = {job:String} AND status = 'success'
