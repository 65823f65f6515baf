-- etl.visitors after a build of {day}, written before the day is swapped into dwh: for each key
-- the build can change, whether a visit of the day still carries it (is_deleted = 0) or no
-- longer does (1). Keys as in migration 0047; {visitors_version} is the build's start time, so a
-- later build of the day supersedes this one, and a failed swap deletes what this one wrote
-- (jobs/publish.py).
-- A full build can change every key of the day: those of the day's visits in dwh.sessions (the
-- rows it replaces) and in etl.sessions (the rows it swaps in). An hourly run ({incremental})
-- can change only the keys of the visits it replaces (etl.affected_visits) and writes (those of
-- etl.touched_calls); a replaced key stays if a rebuilt visit, or another visit of the day with
-- the same session or user, still carries it. That reads the day's visits by session and user,
-- but hashes only the ones it keeps.
INSERT INTO etl.visitors (key, date, version, is_deleted)
SELECT key, {day:Date}, {visitors_version:UInt64}, max(present) = 0
FROM (
    SELECT session_id, user_id, 0 AS present FROM dwh.sessions
    WHERE date = {day:Date}
      AND (NOT {incremental:Bool} OR visit_id IN (SELECT visit_id FROM etl.affected_visits))
    UNION ALL
    SELECT session_id, user_id, 1 AS present FROM etl.sessions
    WHERE date = {day:Date}
      AND (NOT {incremental:Bool}
           OR visit_id IN (SELECT visit_id FROM etl.touched_calls WHERE date = {day:Date})
           OR session_id IN (SELECT session_id FROM etl.affected_visits)
           OR user_id IN (SELECT user_id FROM etl.affected_visits WHERE user_id > 0))
)
ARRAY JOIN if(user_id > 0, [sipHash64('session', session_id), sipHash64('user', user_id)],
              [sipHash64('session', session_id)]) AS key
GROUP BY key
