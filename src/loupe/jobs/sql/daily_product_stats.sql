-- job: after=product_sessions rollup
-- etl.daily_product_stats for one business day, bots excluded. Grain: day x product.
INSERT INTO etl.daily_product_stats
SELECT
    p.date, p.product_id,
    count() AS visits,
    sum(p.views) AS views,
    sum(p.favorite_adds) AS favorite_adds,
    sum(p.cart_adds) AS cart_adds,
    sum(p.purchased_qty) AS purchased_qty,
    sum(p.revenue) AS revenue
FROM etl.product_sessions AS p
WHERE p.date = {day:Date} AND NOT p.is_bot
GROUP BY p.date, p.product_id
