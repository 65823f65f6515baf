-- audit: dwh.daily_product_stats is the sum of the day's product sessions (bots excluded)
-- Offending rows: the products of the day whose rollup differs from dwh.product_sessions, with
-- both sides; revenue to the cent. Grain: day x product.
SELECT product_id, d.counts AS rollup, p.counts AS from_product_sessions,
    d.revenue AS rollup_revenue, p.revenue AS product_sessions_revenue
FROM (
    SELECT product_id, (visits, views, favorite_adds, cart_adds, purchased_qty) AS counts, revenue
    FROM dwh.daily_product_stats
    WHERE date = {day:Date}
) AS d
FULL OUTER JOIN (
    SELECT product_id,
        (count(), sum(views), sum(favorite_adds), sum(cart_adds), sum(purchased_qty)) AS counts,
        sum(revenue) AS revenue
    FROM dwh.product_sessions
    WHERE date = {day:Date} AND NOT is_bot
    GROUP BY product_id
) AS p USING (product_id)
WHERE d.counts != p.counts OR abs(d.revenue - p.revenue) >= 0.005
SETTINGS join_use_nulls = 0
