-- audit: each visit's catalog calls add up to its catalog counts and carry its columns
-- Offending rows: the day's visits whose catalog calls, searches or zero-result searches in
-- dwh.sessions differ from their rows in dwh.catalog_sessions, and visits whose catalog rows have
-- no visit, carry another session, device type, user type or bot flag, or fall outside the
-- visit's time or calls. Grain: visit.
SELECT if(c.visit_id != 0, c.visit_id, s.visit_id) AS visit_id,
    c.catalog_rows AS catalog_rows, s.catalog_calls AS visit_catalog_calls,
    c.search_rows AS search_rows, s.searches AS visit_searches,
    c.zero_result_rows AS zero_result_rows, s.zero_result_searches AS visit_zero_result_searches
FROM (
    SELECT visit_id, count() AS catalog_rows, countIf(is_search) AS search_rows,
        countIf(is_search AND is_zero_result) AS zero_result_rows,
        min(ts) AS first_ts, max(ts) AS last_ts, max(seq) AS last_seq,
        groupUniqArray((session_id, device_type, user_type, is_bot)) AS visit_columns
    FROM dwh.catalog_sessions
    WHERE date = {day:Date}
    GROUP BY visit_id
) AS c
FULL OUTER JOIN (SELECT * FROM dwh.sessions WHERE date = {day:Date}) AS s ON s.visit_id = c.visit_id
WHERE c.catalog_rows != s.catalog_calls OR c.search_rows != s.searches
   OR c.zero_result_rows != s.zero_result_searches
   OR (c.visit_id != 0 AND (s.visit_id = 0
       OR c.visit_columns != [(s.session_id, s.device_type, s.user_type, s.is_bot)]
       OR c.first_ts < s.start_ts OR c.last_ts > s.end_ts OR c.last_seq > s.calls))
SETTINGS join_use_nulls = 0
