-- One row of etl.job_runs per job run and day.
INSERT INTO etl.job_runs (run_id, job, range_start, range_end, started_at, finished_at,
    rows_written, status, error, watermark, ts_watermark)
VALUES ({run_id:UUID}, {job:String}, {range_start:Date}, {range_end:Date},
    {started_at:DateTime64(3, 'UTC')}, {finished_at:DateTime64(3, 'UTC')}, {rows:UInt64},
    {status:String}, {error:String}, {watermark:DateTime64(3, 'UTC')},
    {ts_watermark:DateTime64(3, 'UTC')})
