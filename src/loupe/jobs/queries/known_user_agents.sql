-- Every user agent (with its client hints) dwh.user_agents knows, with its current
-- classification (the latest row of each: the table is a ReplacingMergeTree by user_agent and
-- client_hints). Grain: agent and hints.
SELECT user_agent, client_hints, browser, browser_version, os, os_version, device_family,
    device_type, is_bot
FROM dwh.user_agents FINAL
