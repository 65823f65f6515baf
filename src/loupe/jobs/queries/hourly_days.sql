-- The business days an hourly run rebuilds: the days of the new calls, and the days of the
-- touched sessions' existing visits that the new calls can join (a visit that started up to
-- the visit cap before the first new call, or that starts within the visit gap after the last).
SELECT arraySort(groupUniqArray(day)) AS days
FROM (
    SELECT toDate(ts, {timezone:String}) AS day FROM pd.api_calls
    WHERE received_at > {watermark:DateTime64(3, 'UTC')} AND received_at <= {new_watermark:DateTime64(3, 'UTC')}
      AND ts >= {ts_floor:DateTime64(3, 'UTC')}
    UNION ALL
    SELECT date AS day FROM dwh.sessions
    WHERE session_id IN (SELECT session_id FROM etl.touched_sessions)
      AND start_ts >= {first_new:DateTime64(3, 'UTC')} - toIntervalMillisecond({visit_cap_ms:UInt64})
      AND start_ts <= {last_new:DateTime64(3, 'UTC')} + toIntervalMillisecond({visit_gap_ms:UInt64})
)
