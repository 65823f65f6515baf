-- The business days on which the given users or sessions have visits built (grain: day): the
-- days whose rollups an erasure rebuilds.
SELECT DISTINCT date FROM dwh.sessions
WHERE has({users:Array(Int64)}, toInt64(user_id)) OR session_id IN {sessions:Array(String)}
ORDER BY date
