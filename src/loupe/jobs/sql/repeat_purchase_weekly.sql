-- job: after=sessions whole rollup
-- etl.repeat_purchase_weekly, whole, from the sessions the day's publish leaves (bots
-- excluded). Grain: cohort_week (Monday of the business week of a buyer's first order) x week_offset (0, 1, ... up to the
-- newest week built; every cell has a row). A buyer is keyed as in retention_weekly.sql (user id,
-- else session cookie). `buyers` is the cohort's size on each of its rows; repeat_buyers, orders
-- and revenue are the cohort's orders in that week (at offset 0, every member and all their
-- orders of the first week).
INSERT INTO etl.repeat_purchase_weekly
WITH
{% include "published_sessions.sql" %}
    weekly AS (
        SELECT if(user_id > 0, concat('u:', toString(user_id)), concat('s:', session_id)) AS buyer,
            toMonday(date) AS week, sum(orders) AS week_orders, sum(revenue) AS week_revenue
        FROM published_sessions
        WHERE NOT is_bot AND orders > 0
        GROUP BY buyer, week
    ),
    members AS (
        SELECT buyer, week, week_orders, week_revenue, min(week) OVER (PARTITION BY buyer) AS cohort_week
        FROM weekly
    ),
    cells AS (
        SELECT cohort_week, toUInt16(intDiv(dateDiff('day', cohort_week, week), 7)) AS week_offset,
            count() AS repeat_buyers, sum(week_orders) AS orders, sum(week_revenue) AS revenue
        FROM members
        GROUP BY cohort_week, week_offset
    ),
    grid AS (
        SELECT cohort_week, repeat_buyers AS buyers,
            arrayJoin(range(toUInt16(intDiv(dateDiff('day', cohort_week,
                (SELECT toMonday(max(date)) FROM published_sessions WHERE NOT is_bot)), 7) + 1)))
                AS offset
        FROM cells
        WHERE cells.week_offset = 0
    )
SELECT g.cohort_week AS cohort_week, toUInt16(g.offset) AS week_offset, g.buyers AS buyers,
    c.repeat_buyers AS repeat_buyers, c.orders AS orders, c.revenue AS revenue
FROM grid AS g
LEFT JOIN cells AS c ON c.cohort_week = g.cohort_week AND c.week_offset = g.offset
SETTINGS join_use_nulls = 0
