-- How many calls pd.api_calls holds and the newest one's time (loupe status: the watched
-- tables' lag is measured against it).
SELECT count() AS n, max(ts) AS newest FROM pd.api_calls
