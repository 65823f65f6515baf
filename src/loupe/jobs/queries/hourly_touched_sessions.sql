-- The sessions of the calls an hourly run processes, with the time of each one's first new call.
INSERT INTO etl.touched_sessions (session_id, first_new_ts)
SELECT session_id, min(ts) FROM pd.api_calls
WHERE received_at > {watermark:DateTime64(3, 'UTC')} AND received_at <= {new_watermark:DateTime64(3, 'UTC')}
  AND ts >= {ts_floor:DateTime64(3, 'UTC')}
GROUP BY session_id
