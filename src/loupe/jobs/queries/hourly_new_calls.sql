-- Calls received since the last hourly run and not later than the lookback: how many, the
-- new watermarks, and the time span of the calls.
SELECT max(received_at) AS watermark, max(ts) AS ts_watermark, min(ts) AS first_ts, count() AS calls
FROM pd.api_calls
WHERE received_at > {watermark:DateTime64(3, 'UTC')} AND ts >= {ts_floor:DateTime64(3, 'UTC')}
