-- Adds the day's visits an hourly run rebuilt (etl.touched_calls) to etl.visit_calls, by hard
-- links: the newer version supersedes the earlier rows (jobs/sql/visit_calls.sql).
ALTER TABLE etl.visit_calls ATTACH PARTITION {day:Date} FROM etl.touched_calls
