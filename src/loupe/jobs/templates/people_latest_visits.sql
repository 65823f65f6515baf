    -- Each people's visit of the day at its latest version in etl.visit_calls (an hourly run adds
    -- a rebuilt visit's calls beside the ones they replace).
    latest AS (
        SELECT visit_id, max(version) AS version
        FROM etl.visit_calls
        WHERE date = {day:Date}
          AND visit_id IN (SELECT visit_id FROM etl.sessions WHERE date = {day:Date} AND NOT is_bot)
        GROUP BY visit_id
    ),
