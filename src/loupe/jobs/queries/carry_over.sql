-- Hourly (incremental) runs rebuild only the visits of touched sessions; this copies the rest of
-- the day's rows from the dwh table into its staging twin, so the swap replaces the whole day.
-- {{ table }} is the job's table name (from the job's file name, never user input).
INSERT INTO etl.{{ table }}
SELECT * FROM dwh.{{ table }}
WHERE date = {day:Date} AND session_id NOT IN (SELECT session_id FROM etl.touched_sessions)
