-- audit: dwh.daily_funnel is the sum of the day's visits (bots excluded)
-- Offending rows: the (device_type, user_type) cells of the day whose rollup differs from
-- dwh.sessions, with both sides. Revenue compares to the cent: sums of floats in another order
-- may differ in the last bits. Grain: day x device_type x user_type.
SELECT device_type, user_type, f.counts AS rollup, s.counts AS from_sessions,
    f.revenue AS rollup_revenue, s.revenue AS sessions_revenue
FROM (
    SELECT device_type, user_type,
        (visits, product_view_visits, favorite_visits, cart_visits, order_visits, orders,
         cart_visits_without_order) AS counts,
        revenue
    FROM dwh.daily_funnel
    WHERE date = {day:Date}
) AS f
FULL OUTER JOIN (
    SELECT device_type, user_type,
        (count(), countIf(product_views > 0), countIf(favorite_adds > 0), countIf(cart_adds > 0),
         countIf(orders > 0), sum(orders), countIf(cart_adds > 0 AND orders = 0)) AS counts,
        sum(revenue) AS revenue
    FROM dwh.sessions
    WHERE date = {day:Date} AND NOT is_bot
    GROUP BY device_type, user_type
) AS s USING (device_type, user_type)
WHERE f.counts != s.counts OR abs(f.revenue - s.revenue) >= 0.005
SETTINGS join_use_nulls = 0
