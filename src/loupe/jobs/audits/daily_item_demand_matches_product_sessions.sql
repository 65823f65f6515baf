-- audit: dwh.daily_item_demand counts the day's product sessions (bots excluded)
-- Offending rows: the items of the day whose views, visits that saw them out of stock, cart adds,
-- purchased quantity or revenue (to the cent) in dwh.daily_item_demand, counted from the calls,
-- differ from the people's rows of dwh.product_sessions (whose sums dwh.daily_product_stats
-- holds), with both sides. Grain: day x item.
SELECT item_id, d.counts AS item_demand, p.counts AS from_product_sessions,
    d.revenue AS item_demand_revenue, p.revenue AS product_sessions_revenue
FROM (
    SELECT item_id, (views, visits_out_of_stock, cart_adds, purchased_qty) AS counts, revenue
    FROM dwh.daily_item_demand
    WHERE date = {day:Date}
) AS d
FULL OUTER JOIN (
    SELECT product_id AS item_id,
        (sum(views), countIf(viewed_out_of_stock = 1), sum(cart_adds), sum(purchased_qty)) AS counts,
        sum(revenue) AS revenue
    FROM dwh.product_sessions
    WHERE date = {day:Date} AND NOT is_bot
    GROUP BY product_id
) AS p USING (item_id)
WHERE d.counts != p.counts OR abs(d.revenue - p.revenue) >= 0.005
SETTINGS join_use_nulls = 0
