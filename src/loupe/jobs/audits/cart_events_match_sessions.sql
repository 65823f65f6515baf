-- audit: dwh.cart_events holds the day's cart adds and orders as dwh.sessions counts them
-- Offending rows: the day's totals when the cart adds or the orders of dwh.cart_events (bots
-- included, as in both tables) differ from the sum of dwh.sessions' `cart_adds` and `orders`
-- over the day's visits, and any event whose visit is not one of the day's. Grain: day, event.
SELECT '' AS event_id, e.adds AS cart_event_adds, s.adds AS session_adds,
    e.orders AS cart_event_orders, s.orders AS session_orders
FROM (
    SELECT countIf(event = 'add') AS adds, uniqExactIf(event_id, event = 'order') AS orders
    FROM dwh.cart_events WHERE date = {day:Date}
) AS e
CROSS JOIN (
    SELECT sum(cart_adds) AS adds, sum(orders) AS orders FROM dwh.sessions WHERE date = {day:Date}
) AS s
WHERE e.adds != s.adds OR e.orders != s.orders
UNION ALL
SELECT toString(event_id), 0, 0, 0, 0
FROM dwh.cart_events
WHERE date = {day:Date}
  AND visit_id NOT IN (SELECT visit_id FROM dwh.sessions WHERE date = {day:Date})
