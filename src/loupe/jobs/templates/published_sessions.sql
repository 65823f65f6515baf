    -- The sessions as the day's publish leaves them: the other days from dwh, this day from its
    -- staging (etl.sessions holds the whole day, in hourly runs too). Read by the `whole` jobs.
    published_sessions AS (
        SELECT date, user_id, session_id, orders, revenue, is_bot
        FROM dwh.sessions WHERE date != {day:Date}
        UNION ALL
        SELECT date, user_id, session_id, orders, revenue, is_bot
        FROM etl.sessions WHERE date = {day:Date}
    ),
