-- dwh.user_agents: one row per distinct user agent string, parsed once in Python (ua-parser).
-- ORDER BY user_agent: joined to calls and visits by the string itself.
CREATE TABLE IF NOT EXISTS {{ ddl.table("dwh.user_agents") }} {{ ddl.on_cluster }}
(
    user_agent String,
    browser LowCardinality(String),
    browser_version String,
    os LowCardinality(String),
    os_version String,
    device_family LowCardinality(String),
    device_type LowCardinality(String),
    is_bot UInt8,
    parsed_at DateTime64(3, 'UTC')
)
ENGINE = {{ ddl.engine("dwh.user_agents", "ReplacingMergeTree") }}
ORDER BY user_agent
{{ ddl.settings() }};

{{ ddl.distributed("dwh.user_agents", "cityHash64(user_agent)") }}
