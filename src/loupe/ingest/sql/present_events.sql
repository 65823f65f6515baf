-- How many of the given calls pd.api_calls holds (ingest/tally.py): the session ids narrow the
-- read to the ORDER BY ranges that can hold them.
SELECT uniqExact(event_id) FROM pd.api_calls
WHERE session_id IN {sessions:Array(String)} AND event_id IN {ids:Array(UUID)}
