-- job: after=sessions rollup
-- etl.daily_funnel for one business day from the day's visits, bots excluded.
-- Grain: day x device_type x user_type. Time column: date.
INSERT INTO etl.daily_funnel
SELECT
    s.date, s.device_type, s.user_type,
    count() AS visits,
    countIf(s.product_views > 0) AS product_view_visits,
    countIf(s.favorite_adds > 0) AS favorite_visits,
    countIf(s.cart_adds > 0) AS cart_visits,
    countIf(s.orders > 0) AS order_visits,
    sum(s.orders) AS orders,
    sum(s.revenue) AS revenue
FROM etl.sessions AS s
WHERE s.date = {day:Date} AND NOT s.is_bot
GROUP BY s.date, s.device_type, s.user_type
