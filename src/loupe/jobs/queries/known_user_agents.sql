-- Every user agent dwh.user_agents knows, with its current classification (the latest row of
-- each: the table is a ReplacingMergeTree by user_agent). Grain: user agent.
SELECT user_agent, browser, browser_version, os, os_version, device_family, device_type, is_bot
FROM dwh.user_agents FINAL
