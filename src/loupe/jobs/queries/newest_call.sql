-- The newest call's time: a first hourly run reads the calls within its lookback of it.
SELECT max(ts) FROM pd.api_calls
