-- Calls received since the last hourly run and not later than the lookback: how many, the
-- new watermarks, and the business days they fall on.
SELECT max(received_at) AS watermark, max(ts) AS ts_watermark, count() AS calls,
    groupUniqArray(toDate(ts, {timezone:String})) AS days
FROM pd.api_calls
WHERE received_at > {watermark:DateTime64(3, 'UTC')} AND ts >= {ts_floor:DateTime64(3, 'UTC')}
