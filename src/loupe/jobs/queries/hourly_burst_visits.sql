-- The single-call visits an hourly run also rebuilds, so that the `cookieless_burst` rule
-- (jobs/templates/behaviour_bots.sql: 10 single-call visits of one address within 60 s) agrees
-- with a full build: a built single-call visit whose minute, or a minute next to it, holds a new
-- call or the start of an affected visit, since the run can add or remove single-call visits
-- within 60 s of it. The address is not in dwh.sessions, so this takes every such visit, of any
-- address; rebuilding a visit whose calls did not change gives it back the same. Grain: visit.
-- Visits are read from dwh.sessions, from the day before the lookback's (as the affected visits).
INSERT INTO etl.affected_visits (visit_id, date, session_id, start_ts, user_id)
WITH
    minutes AS (
        SELECT DISTINCT arrayJoin([minute - 1, minute, minute + 1]) AS near
        FROM (
            SELECT intDiv(toUnixTimestamp64Milli(ts), 60000) AS minute FROM pd.api_calls
            WHERE received_at > {watermark:DateTime64(3, 'UTC')} AND received_at <= {new_watermark:DateTime64(3, 'UTC')}
              AND ts >= {ts_floor:DateTime64(3, 'UTC')}
            UNION ALL
            SELECT intDiv(toUnixTimestamp64Milli(start_ts), 60000) AS minute FROM etl.affected_visits
        )
    )
SELECT visit_id, date, session_id, start_ts, user_id
FROM dwh.sessions
WHERE date >= toDate({ts_floor:DateTime64(3, 'UTC')} - toIntervalMillisecond({visit_cap_ms:UInt64}), {timezone:String}) - 1
  AND calls = 1 AND user_id = 0
  AND intDiv(toUnixTimestamp64Milli(start_ts), 60000) IN (SELECT near FROM minutes)
  AND visit_id NOT IN (SELECT visit_id FROM etl.affected_visits)
