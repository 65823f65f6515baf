-- job: after=catalog_sessions rollup
-- etl.daily_search_stats for one business day, bots excluded. Grain: day x query (`q`, trimmed,
-- lower case, spaces collapsed), with its normal form `q_normalized` (one per query), by which
-- the top-query cards group.
INSERT INTO etl.daily_search_stats
SELECT
    c.date, c.q, any(c.q_normalized) AS q_normalized,
    count() AS searches,
    countIf(c.is_zero_result) AS zero_result_searches,
    countIf(c.clicked_product_id > 0) AS clicks,
    countIf(c.led_to_cart) AS carts
FROM etl.catalog_sessions AS c
WHERE c.date = {day:Date} AND c.is_search AND NOT c.is_bot
GROUP BY c.date, c.q
