-- etl.routes: the shop-API map's call patterns (`^GET /api/v1/products/\d+/?$`) and route
-- templates (`/api/v1/products/{id}`) in the map's order, the first match winning; every day
-- build writes them from the map it reads (jobs/routes.py). Tiny; ORDER BY position.
CREATE TABLE IF NOT EXISTS etl.routes {{ ddl.on_cluster }}
(
    position UInt16,
    pattern String,
    route String
)
ENGINE = MergeTree
ORDER BY position;

-- dwh.calls: pd.api_calls for analysts (grain: call; time column: ts), with each call's `route`
-- so that calls group by route rather than by endpoint (which holds ids). A call no pattern
-- matches keeps its endpoint. Without request and response bodies or the client IP. The
-- patterns are one constant per query (a scalar subquery), which multiMatchAnyIndex requires.
CREATE VIEW IF NOT EXISTS dwh.calls {{ ddl.on_cluster }} AS
WITH (SELECT groupArray((pattern, route)) FROM (SELECT pattern, route FROM etl.routes ORDER BY position))
    AS rules
SELECT event_id, ts, session_id, user_id, method, endpoint,
    if(rule = 0 OR rules[rule].2 = '', endpoint, rules[rule].2) AS route,
    status, duration_ms, user_agent, referer, page_referrer, received_at
FROM (
    SELECT *, multiMatchAnyIndex(concat(method, ' ', endpoint), arrayMap(r -> r.1, rules)) AS rule
    FROM pd.api_calls
);
