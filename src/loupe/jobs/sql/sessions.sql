-- job: after=visit_calls per_visit
-- etl.sessions for one business day: one row per visit, from etl.visit_calls (grain: visit;
-- time column: start_ts). Actions count only successful calls (status < 400). Device, OS and
-- browser come from dwh.user_agents by the visit's first user agent. is_returning: an earlier
-- visit of the same session or user exists (earlier on the day, or on a day already built:
-- etl.visitors).
-- The calls table is a parameter: etl.visit_calls, or etl.touched_calls in an hourly run.
INSERT INTO etl.sessions
WITH
    visit AS (
        SELECT
            date, visit_id, any(session_id) AS session_id,
            min(ts) AS start_ts, max(ts) AS end_ts,
            argMaxIf(user_id, seq, user_id > 0) AS last_user_id,
            countIf(event_type = 'register' AND is_ok) > 0 AS registered_in_visit,
            argMin(user_agent, seq) AS first_user_agent,
            count() AS calls,
            countIf(event_type = 'catalog' AND is_ok) AS catalog_calls,
            countIf(event_type = 'catalog' AND is_ok AND q != '') AS searches,
            countIf(event_type = 'catalog' AND is_ok AND q != '' AND results_total = 0) AS zero_result_searches,
            countIf(event_type = 'product_view' AND is_ok) AS product_views,
            uniqExactIf(product_id, event_type = 'product_view' AND is_ok) AS distinct_products,
            countIf(event_type = 'favorite_add' AND is_ok) AS favorite_adds,
            countIf(event_type = 'cart_add' AND is_ok) AS cart_adds,
            countIf(event_type = 'order' AND is_ok) AS orders,
            sumIf(order_total, event_type = 'order' AND is_ok) AS revenue,
            argMin(endpoint, seq) AS entry_endpoint,
            argMax(endpoint, seq) AS exit_endpoint,
            countIf(status >= 400) AS errors
        FROM etl.{calls:Identifier}
        WHERE date = {day:Date}
        GROUP BY date, visit_id
    ),
    -- The day's sessions and users that have visits on earlier days: looked up by key in
    -- etl.visitors (ordered by key, small granules), which reads the granules of these keys only,
    -- not the history of dwh.sessions. Keys as in migration 0047. A (key, day) counts unless its
    -- latest version is a tombstone (argMax rather than FINAL: FINAL took 3x as long on a table
    -- of 9 parts).
    earlier_days AS (
        SELECT key FROM etl.visitors
        WHERE date < {day:Date}
          AND key IN (
              SELECT sipHash64('session', session_id) FROM etl.{calls:Identifier} WHERE date = {day:Date}
              UNION ALL
              SELECT sipHash64('user', user_id) FROM etl.{calls:Identifier}
              WHERE date = {day:Date} AND user_id > 0
          )
        GROUP BY key, date
        HAVING argMax(is_deleted, version) = 0
    ),
{%- if incremental %}
    -- First visit start per session and per user among the day's visits this run does not
    -- rebuild (carried over in etl.sessions).
    earlier AS (
        SELECT 's:' || session_id AS key, min(start_ts) AS first_start FROM etl.sessions
        WHERE date = {day:Date}
          AND session_id IN (SELECT session_id FROM etl.{calls:Identifier} WHERE date = {day:Date})
        GROUP BY session_id
        UNION ALL
        SELECT 'u:' || toString(user_id) AS key, min(start_ts) AS first_start FROM etl.sessions
        WHERE date = {day:Date} AND user_id > 0
          AND user_id IN (SELECT user_id FROM etl.{calls:Identifier} WHERE date = {day:Date})
        GROUP BY user_id
    ),
{%- endif %}
    -- is_returning: an earlier visit of the session or user, on this day (windows) or before.
    ranked AS (
        SELECT *,
            min(start_ts) OVER (PARTITION BY session_id) AS first_start_of_session_today,
            min(start_ts) OVER (PARTITION BY last_user_id) AS first_start_of_user_today
        FROM visit
    )
SELECT
    v.date AS date,
    v.visit_id AS visit_id,
    v.session_id AS session_id,
    v.start_ts AS start_ts,
    v.end_ts AS end_ts,
    toUInt32(intDiv(toUnixTimestamp64Milli(v.end_ts) - toUnixTimestamp64Milli(v.start_ts), 1000)) AS duration_s,
    v.last_user_id AS user_id,
    if(v.last_user_id > 0, 'registered', 'guest') AS user_type,
    v.registered_in_visit AS registered_in_visit,
    (v.first_start_of_session_today < v.start_ts
        OR (v.last_user_id > 0 AND v.first_start_of_user_today < v.start_ts)
        OR sipHash64('session', v.session_id) IN (SELECT key FROM earlier_days)
        OR (v.last_user_id > 0 AND sipHash64('user', v.last_user_id) IN (SELECT key FROM earlier_days))
{%- if incremental %}
        OR (by_session.key != '' AND by_session.first_start < v.start_ts)
        OR (v.last_user_id > 0 AND by_user.key != '' AND by_user.first_start < v.start_ts)
{%- endif %}
    ) AS is_returning,
    if(ua.device_type = '', 'other', ua.device_type) AS device_type,
    ua.os AS os,
    ua.browser AS browser,
    ua.is_bot AS is_bot,
    v.calls AS calls,
    v.catalog_calls AS catalog_calls,
    v.searches AS searches,
    v.zero_result_searches AS zero_result_searches,
    v.product_views AS product_views,
    v.distinct_products AS distinct_products,
    v.favorite_adds AS favorite_adds,
    v.cart_adds AS cart_adds,
    v.orders AS orders,
    v.revenue AS revenue,
    v.entry_endpoint AS entry_endpoint,
    v.exit_endpoint AS exit_endpoint,
    (v.catalog_calls + v.product_views + v.favorite_adds + v.cart_adds + v.orders) = 0 AS is_bounce,
    v.errors AS errors
FROM ranked AS v
{%- if incremental %}
LEFT JOIN earlier AS by_session ON by_session.key = 's:' || v.session_id
LEFT JOIN earlier AS by_user ON by_user.key = 'u:' || toString(v.last_user_id)
{%- endif %}
LEFT JOIN (SELECT * FROM dwh.user_agents FINAL) AS ua ON ua.user_agent = v.first_user_agent
SETTINGS join_use_nulls = 0, {{ insert_settings }}
