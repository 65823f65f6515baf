-- The demo's report (loupe demo): the daily funnel of the days it built, one row per day.
SELECT toString(date) AS day, sum(visits) AS visits, sum(product_view_visits) AS viewed,
    sum(cart_visits) AS carted, sum(order_visits) AS ordered, sum(revenue) AS revenue
FROM dwh.daily_funnel
WHERE date BETWEEN {first:Date} AND {last:Date}
GROUP BY date ORDER BY date
