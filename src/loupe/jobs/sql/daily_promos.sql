-- job: after=sessions rollup
-- etl.daily_promos for one business day, bots excluded: the order calls of the day's visits by
-- the request's promo code (grain: day x promo, '' for orders without a code; time column:
-- date): `orders` and `revenue` of the successful ones, their `discount` (the lines' qty x price
-- less the total) and `average_order_value`, and `refused`, the orders answered 422 (the shop
-- API's `invalid_promo`). The day's visits are etl.sessions' (an hourly run carried the others
-- over from dwh); each visit's calls are its latest version in etl.visit_calls (an hourly run
-- adds a rebuilt visit's calls beside the ones they replace).
INSERT INTO etl.daily_promos
WITH
{% include "people_latest_visits.sql" %}
    orders AS (
        SELECT promo, status, order_total,
            arraySum(line -> line.qty * line.price, order_items) AS subtotal
        FROM etl.visit_calls
        WHERE date = {day:Date} AND event_type = 'order' AND (status < 400 OR status = 422)
          AND (visit_id, version) IN (SELECT visit_id, version FROM latest)
    )
SELECT
    {day:Date} AS date,
    promo,
    countIf(status < 400) AS orders,
    sumIf(order_total, status < 400) AS revenue,
    sumIf(subtotal - order_total, status < 400) AS discount,
    if(orders > 0, revenue / orders, 0) AS average_order_value,
    countIf(status = 422) AS refused
FROM orders
GROUP BY promo
SETTINGS {{ insert_settings }}
