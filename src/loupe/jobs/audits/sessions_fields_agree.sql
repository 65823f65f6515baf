-- audit: each visit's columns agree with each other (docs/etl.md, dwh.sessions)
-- Offending rows: the day's visits with the names of the rules they break. Grain: visit.
SELECT visit_id, session_id, problems
FROM (
    SELECT visit_id, session_id,
        arrayFilter(problem -> problem != '', [
            if(toDate(start_ts, {timezone:String}) != date, 'date is not the day of start_ts', ''),
            if(end_ts < start_ts, 'end_ts before start_ts', ''),
            if(duration_s != intDiv(toUnixTimestamp64Milli(end_ts) - toUnixTimestamp64Milli(start_ts), 1000),
               'duration_s is not end_ts - start_ts', ''),
            if(user_type NOT IN ('guest', 'registered') OR (user_type = 'registered') != (user_id > 0),
               'user_type does not follow user_id', ''),
            if(device_type NOT IN ('desktop', 'mobile', 'tablet', 'bot', 'other'), 'unknown device_type', ''),
            if(is_bot != (bot_reason != ''), 'is_bot does not follow bot_reason', ''),
            if((bot_reason = 'user_agent') != (device_type = 'bot')
                   OR (bot_reason NOT IN ('', 'user_agent') AND NOT startsWith(bot_reason, 'behaviour:')),
               'bot_reason does not follow device_type', ''),
            if(calls = 0 OR errors > calls OR catalog_calls + product_views + favorite_adds + cart_adds + orders > calls,
               'more events than calls', ''),
            if(searches > catalog_calls OR zero_result_searches > searches, 'more searches than catalog calls', ''),
            if(distinct_products > product_views, 'more distinct products than product views', ''),
            if(is_bounce != (catalog_calls + product_views + favorite_adds + cart_adds + orders = 0),
               'is_bounce does not follow the counts', ''),
            if(revenue < 0 OR (orders = 0 AND revenue != 0), 'revenue without orders', '')
        ]) AS problems
    FROM dwh.sessions
    WHERE date = {day:Date}
)
WHERE notEmpty(problems)
