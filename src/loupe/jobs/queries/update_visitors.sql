-- etl.visitors after a build of {day}, written before the day is swapped into dwh: for every
-- key the build can change, whether a visit of the day still carries it (is_deleted = 0) or no
-- longer does (1). The keys a build can change are those of the visits it replaces (their rows
-- in dwh.sessions) and of the visits it writes (etl.sessions): every visit of the day in a full
-- build, the affected and rebuilt visits in an hourly run ({incremental}). Keys as in
-- migration 0047. The version is the write time: a later build of the day supersedes this one.
INSERT INTO etl.visitors (key, date, version, is_deleted)
WITH
    day_visits AS (
        SELECT visit_id, session_id, user_id FROM etl.sessions WHERE date = {day:Date}
    ),
    changed_visits AS (
        SELECT session_id, user_id FROM dwh.sessions
        WHERE date = {day:Date}
          AND (NOT {incremental:Bool} OR visit_id IN (SELECT visit_id FROM etl.affected_visits))
        UNION ALL
        SELECT session_id, user_id FROM day_visits
        WHERE NOT {incremental:Bool}
           OR visit_id IN (SELECT visit_id FROM etl.touched_calls WHERE date = {day:Date})
    ),
    changed_keys AS (
        SELECT DISTINCT arrayJoin(if(user_id > 0,
            [sipHash64('session', session_id), sipHash64('user', user_id)],
            [sipHash64('session', session_id)])) AS key
        FROM changed_visits
    )
SELECT
    key,
    {day:Date},
    toUnixTimestamp64Milli(now64(3)),
    key NOT IN (
        SELECT sipHash64('session', session_id) FROM day_visits
        UNION ALL
        SELECT sipHash64('user', user_id) FROM day_visits WHERE user_id > 0
    )
FROM changed_keys
