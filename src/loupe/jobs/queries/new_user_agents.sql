-- User agents of calls in [start, end), with the client hints they came with, that
-- dwh.user_agents does not know yet (grain: agent and hints).
SELECT DISTINCT user_agent, client_hints FROM pd.api_calls
WHERE ts >= {start:DateTime64(3, 'UTC')} AND ts < {end:DateTime64(3, 'UTC')}
  AND (user_agent, client_hints) NOT IN (SELECT user_agent, client_hints FROM dwh.user_agents)
