-- The business days with calls of the given user agents: their visits may change when the
-- agents' classification does (a superset: an agent counts only as a visit's first one).
-- Reads pd.api_calls' user_agent column (LowCardinality) over every day kept.
SELECT DISTINCT toDate(ts, {timezone:String}) AS day FROM pd.api_calls
WHERE user_agent IN {agents:Array(String)}
ORDER BY day
