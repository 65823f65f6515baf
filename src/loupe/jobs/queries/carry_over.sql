-- Hourly (incremental) runs rebuild only the visits of touched sessions. Before the job adds
-- them, its staging twin gets the rest of the day: the dwh partition is cloned (hard links, no
-- copy; see run.py) and the touched sessions' rows are masked with a lightweight DELETE, so the
-- swap replaces the whole day. {{ table }} is the job's table name (from the job's file name,
-- never user input).
DELETE FROM etl.{{ table }}
WHERE date = {day:Date} AND session_id IN (SELECT session_id FROM etl.touched_sessions)
