-- The sessions of the calls an hourly run processes: only their visits are rebuilt.
INSERT INTO etl.touched_sessions
SELECT DISTINCT session_id FROM pd.api_calls
WHERE received_at > {watermark:DateTime64(3, 'UTC')} AND received_at <= {new_watermark:DateTime64(3, 'UTC')}
  AND ts >= {ts_floor:DateTime64(3, 'UTC')}
