-- audit: dwh.daily_promos holds the day's orders and revenue (bots excluded), with sound discounts
-- Offending rows: the day's totals when the promo rows' orders or revenue differ from
-- dwh.sessions' (revenue to the cent: sums of floats in another order may differ in the last
-- bits), and any code whose discount is negative or whose average order value is not its
-- revenue over its orders. Grain: day (the totals) and day x promo.
SELECT '' AS promo, p.orders AS rollup_orders, s.orders AS sessions_orders,
    p.revenue AS rollup_revenue, s.revenue AS sessions_revenue
FROM (SELECT sum(orders) AS orders, sum(revenue) AS revenue FROM dwh.daily_promos WHERE date = {day:Date}) AS p
CROSS JOIN (
    SELECT sum(orders) AS orders, sum(revenue) AS revenue
    FROM dwh.sessions WHERE date = {day:Date} AND NOT is_bot
) AS s
WHERE p.orders != s.orders OR abs(p.revenue - s.revenue) >= 0.005
UNION ALL
SELECT promo, orders, orders, revenue, revenue
FROM dwh.daily_promos
WHERE date = {day:Date}
  AND (discount < 0 OR abs(average_order_value - if(orders > 0, revenue / orders, 0)) >= 0.005)
