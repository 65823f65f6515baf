-- User agents of calls in [start, end) that dwh.user_agents does not know yet.
SELECT DISTINCT user_agent FROM pd.api_calls
WHERE ts >= {start:DateTime64(3, 'UTC')} AND ts < {end:DateTime64(3, 'UTC')}
  AND user_agent NOT IN (SELECT user_agent FROM dwh.user_agents)
