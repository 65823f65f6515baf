-- job: after=sessions rollup
-- etl.daily_channels for one business day from the day's visits, bots excluded: visits, bounces,
-- visits with an order, orders and revenue by channel, source, medium, campaign and device.
-- Grain: day x channel x utm_source x utm_medium x utm_campaign x device_type. Time column: date.
INSERT INTO etl.daily_channels
SELECT
    s.date, s.channel, s.utm_source, s.utm_medium, s.utm_campaign, s.device_type,
    count() AS visits,
    countIf(s.is_bounce) AS bounces,
    countIf(s.orders > 0) AS visits_with_order,
    sum(s.orders) AS orders,
    sum(s.revenue) AS revenue
FROM etl.sessions AS s
WHERE s.date = {day:Date} AND NOT s.is_bot
GROUP BY s.date, s.channel, s.utm_source, s.utm_medium, s.utm_campaign, s.device_type
