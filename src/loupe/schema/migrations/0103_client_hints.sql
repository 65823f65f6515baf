-- Client hints (Sec-CH-UA-Mobile, -Platform, -Model) as the browser sent them with a call:
-- pd.api_calls gets `client_hints`, canonical JSON (`{"mobile":"?0","model":"SM-X200",
-- "platform":"Android"}`) or empty, few distinct values (LowCardinality, like user_agent). The
-- parsed calls (etl.visit_calls, etl.touched_calls) carry it after `user_agent`, in both at the
-- same position, since an hourly run combines their rows by position. dwh.user_agents is then
-- keyed by the agent and its hints: ORDER BY (user_agent, client_hints), the ReplacingMergeTree
-- key, so that the same agent with other hints is another row; known agents get empty hints.
ALTER TABLE {{ ddl.table("pd.api_calls") }} {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS client_hints LowCardinality(String) AFTER user_agent;
{% if ddl.cluster %}
ALTER TABLE pd.api_calls {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS client_hints LowCardinality(String) AFTER user_agent;
{% endif %}
ALTER TABLE etl.visit_calls {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS client_hints LowCardinality(String) AFTER user_agent;
ALTER TABLE etl.touched_calls {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS client_hints LowCardinality(String) AFTER user_agent;
ALTER TABLE {{ ddl.table("dwh.user_agents") }} {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS client_hints String AFTER user_agent,
    MODIFY ORDER BY (user_agent, client_hints);
{% if ddl.cluster %}
ALTER TABLE dwh.user_agents {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS client_hints String AFTER user_agent;
{% endif %}
