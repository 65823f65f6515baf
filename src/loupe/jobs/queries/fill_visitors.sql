-- Fill an empty etl.visitors from every day in dwh.sessions: after the migration that creates it,
-- or if it was dropped and recreated (staging tables are disposable). Keys as in migration 0047.
INSERT INTO etl.visitors (key, date, version, is_deleted)
SELECT key, date, 0, 0
FROM (
    SELECT sipHash64('session', session_id) AS key, date FROM dwh.sessions
    UNION ALL
    SELECT sipHash64('user', user_id) AS key, date FROM dwh.sessions WHERE user_id > 0
)
GROUP BY key, date
