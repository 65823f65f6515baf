-- job: after=sessions rollup
-- etl.daily_funnel for one business day from the day's visits, bots excluded.
-- Grain: day x device_type x user_type. Time column: date. Counts only: rates (average order
-- value, units per order, cart abandonment, checkout failures) are computed by the readers.
-- The order calls come from etl.visit_calls (dwh.sessions keeps successful orders only):
-- order_attempts counts every order call, order_failures those answered 409, 422 or 5xx, units
-- the items of the successful ones. After an hourly run the day's partition of etl.visit_calls
-- holds each rebuilt visit twice (jobs/sql/visit_calls.sql); only a visit's latest version counts.
INSERT INTO etl.daily_funnel
WITH
    order_calls AS (
        SELECT visit_id,
            count() AS order_attempts,
            countIf(status IN (409, 422) OR status >= 500) AS order_failures,
            sumIf(arraySum(line -> line.qty, order_items), is_ok) AS units
        FROM etl.visit_calls
        WHERE date = {day:Date} AND event_type = 'order'
{%- if incremental %}
          AND (visit_id, version) IN (
              SELECT visit_id, max(version) FROM etl.visit_calls
              WHERE date = {day:Date}
                AND visit_id IN (
                    SELECT visit_id FROM etl.visit_calls WHERE date = {day:Date} AND event_type = 'order'
                )
              GROUP BY visit_id
          )
{%- endif %}
        GROUP BY visit_id
    )
SELECT
    s.date AS date, s.device_type AS device_type, s.user_type AS user_type,
    count() AS visits,
    countIf(s.product_views > 0) AS product_view_visits,
    countIf(s.favorite_adds > 0) AS favorite_visits,
    countIf(s.cart_adds > 0) AS cart_visits,
    countIf(s.orders > 0) AS order_visits,
    sum(s.orders) AS orders,
    sum(s.revenue) AS revenue,
    sum(o.units) AS units,
    countIf(s.cart_adds > 0 AND s.orders = 0) AS cart_visits_without_order,
    sum(o.order_attempts) AS order_attempts,
    sum(o.order_failures) AS order_failures
FROM etl.sessions AS s
LEFT JOIN order_calls AS o ON o.visit_id = s.visit_id
WHERE s.date = {day:Date} AND NOT s.is_bot
GROUP BY s.date, s.device_type, s.user_type
SETTINGS join_use_nulls = 0
