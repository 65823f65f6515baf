-- Job-run records (job_runs.py): one row of etl.job_runs per job of one run over one range.
-- {jobs} and {rows} are parallel arrays: a day build records all its jobs in one statement.
INSERT INTO etl.job_runs (run_id, job, range_start, range_end, started_at, finished_at,
    rows_written, status, error, watermark, ts_watermark)
SELECT generateUUIDv4(), run.1, {range_start:Date}, {range_end:Date},
    {started_at:DateTime64(3, 'UTC')}, {finished_at:DateTime64(3, 'UTC')}, run.2,
    {status:String}, {error:String}, {watermark:DateTime64(3, 'UTC')},
    {ts_watermark:DateTime64(3, 'UTC')}
FROM system.one
ARRAY JOIN arrayZip({jobs:Array(String)}, {rows:Array(UInt64)}) AS run
