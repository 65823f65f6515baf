-- The built visits an hourly run's calls can change. Per touched session: each visit that ends at
-- most the visit gap before the session's first new call (a new call can join it, or start or
-- join a later one); a visit ending earlier cannot change. Also, for `is_returning`: a
-- not-yet-returning visit of a new call's user, in another session, that starts after a visit the
-- run rebuilds for that user (a visit rebuilt alone comes out the same). Later days are not
-- revisited, and a session active for over 48 hours without a gap may be cut differently by the
-- 24-hour cap than in the nightly run (docs/etl.md). Grain: visit. Visits are read from
-- dwh.sessions, from the day before the lookback's.
INSERT INTO etl.affected_visits (visit_id, date, session_id, start_ts, user_id)
WITH
    recent AS (
        SELECT * FROM dwh.sessions
        WHERE date >= toDate({ts_floor:DateTime64(3, 'UTC')} - toIntervalMillisecond({visit_cap_ms:UInt64}), {timezone:String}) - 1
    ),
    by_session AS (
        SELECT v.visit_id AS visit_id, v.date AS date, v.session_id AS session_id, v.start_ts AS start_ts,
            v.user_id AS user_id
        FROM recent AS v
        INNER JOIN etl.touched_sessions AS t ON t.session_id = v.session_id
        WHERE toUnixTimestamp64Milli(v.end_ts) + {visit_gap_ms:UInt64} >= toUnixTimestamp64Milli(t.first_new_ts)
    ),
    -- Per user of the new calls: the earliest start a visit rebuilt for them can have.
    user_floor AS (
        SELECT u.user_id AS user_id, min(r.start_ts) AS floor_ts
        FROM (
            SELECT DISTINCT user_id, session_id FROM pd.api_calls
            WHERE received_at > {watermark:DateTime64(3, 'UTC')} AND received_at <= {new_watermark:DateTime64(3, 'UTC')}
              AND ts >= {ts_floor:DateTime64(3, 'UTC')} AND user_id > 0
        ) AS u
        INNER JOIN (
            SELECT session_id, start_ts FROM by_session
            UNION ALL
            SELECT session_id, first_new_ts AS start_ts FROM etl.touched_sessions
        ) AS r ON r.session_id = u.session_id
        GROUP BY u.user_id
    )
SELECT visit_id, date, session_id, start_ts, user_id FROM by_session
UNION DISTINCT
SELECT v.visit_id, v.date, v.session_id, v.start_ts, v.user_id
FROM recent AS v
INNER JOIN user_floor AS f ON f.user_id = v.user_id
WHERE NOT v.is_returning AND v.start_ts > f.floor_ts
