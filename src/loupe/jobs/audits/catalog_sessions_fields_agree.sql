-- audit: each catalog or search call's columns agree with each other (docs/etl.md)
-- Offending rows: the day's catalog calls with the names of the rules they break. Grain: call.
SELECT visit_id, seq, problems
FROM (
    SELECT visit_id, seq,
        arrayFilter(problem -> problem != '', [
            if(q != lowerUTF8(trimBoth(replaceRegexpAll(q, '\\s+', ' '))), 'q is not normalised', ''),
            if(is_search != (q != ''), 'is_search does not follow q', ''),
            if(is_zero_result != (results_total = 0), 'is_zero_result does not follow results_total', ''),
            if((clicked_product_id > 0) != (clicked_position > 0), 'clicked_product_id without clicked_position', ''),
            if(led_to_cart AND clicked_product_id = 0, 'led_to_cart without a click', ''),
            if(price_band NOT IN ('any', 'up_to_5k', '5k_20k', '20k_50k', '50k_plus'), 'unknown price_band', ''),
            if(seq = 0 OR page = 0 OR per_page = 0, 'seq, page or per_page is 0', '')
        ]) AS problems
    FROM dwh.catalog_sessions
    WHERE date = {day:Date}
)
WHERE notEmpty(problems)
