-- job: after=sessions whole rollup
-- etl.retention_weekly, whole, from the sessions the day's publish leaves (bots excluded).
-- Grain: cohort_week (Monday of the business week of a visitor's first visit) x week_offset (0, 1, ... up to the newest week
-- built; every cell of the triangle has a row, zero when nobody came back). A visitor is the
-- visit's user id when it has one, else its session cookie: a cookie that later logs in is not
-- merged backwards. `visitors` is the cohort's size on each of its rows; returning_visitors,
-- buyers, orders and revenue are the cohort's in that week (at offset 0, every member).
INSERT INTO etl.retention_weekly
WITH
{% include "published_sessions.sql" %}
    weekly AS (
        SELECT if(user_id > 0, concat('u:', toString(user_id)), concat('s:', session_id)) AS visitor,
            toMonday(date) AS week, sum(orders) AS week_orders, sum(revenue) AS week_revenue
        FROM published_sessions
        WHERE NOT is_bot
        GROUP BY visitor, week
    ),
    members AS (
        SELECT visitor, week, week_orders, week_revenue, min(week) OVER (PARTITION BY visitor) AS cohort_week
        FROM weekly
    ),
    cells AS (
        SELECT cohort_week, toUInt16(intDiv(dateDiff('day', cohort_week, week), 7)) AS week_offset,
            count() AS returning_visitors, countIf(week_orders > 0) AS buyers, sum(week_orders) AS orders,
            sum(week_revenue) AS revenue
        FROM members
        GROUP BY cohort_week, week_offset
    ),
    grid AS (
        SELECT cohort_week, returning_visitors AS visitors,
            arrayJoin(range(toUInt16(intDiv(dateDiff('day', cohort_week, (SELECT max(week) FROM weekly)), 7) + 1)))
                AS offset
        FROM cells
        WHERE cells.week_offset = 0
    )
SELECT g.cohort_week AS cohort_week, toUInt16(g.offset) AS week_offset, g.visitors AS visitors,
    c.returning_visitors AS returning_visitors, c.buyers AS buyers, c.orders AS orders,
    c.revenue AS revenue
FROM grid AS g
LEFT JOIN cells AS c ON c.cohort_week = g.cohort_week AND c.week_offset = g.offset
SETTINGS join_use_nulls = 0
