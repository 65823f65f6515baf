-- Calls the collector rejected since {since} (loupe status).
SELECT count() FROM pd.api_calls_rejected WHERE received_at >= {since:DateTime64(3, 'UTC')}
