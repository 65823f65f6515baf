-- One attempt of a scheduled job at one slot (see 0040_etl_scheduler.sql).
INSERT INTO etl.scheduler_runs (job, slot, attempt, started_at, finished_at, status, error, holder)
VALUES ({job:String}, {slot:DateTime64(3, 'UTC')}, {attempt:UInt16},
    {started_at:DateTime64(3, 'UTC')}, {finished_at:DateTime64(3, 'UTC')}, {status:String},
    {error:String}, {holder:String})
