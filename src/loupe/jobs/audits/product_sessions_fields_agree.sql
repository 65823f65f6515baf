-- audit: each product session's columns agree with each other (docs/etl.md)
-- Offending rows: the day's (visit, product) rows with the names of the rules they break.
SELECT visit_id, product_id, problems
FROM (
    SELECT visit_id, product_id,
        arrayFilter(problem -> problem != '', [
            if(product_id = 0, 'product_id is 0', ''),
            if(source NOT IN ('catalog', 'search', 'favorites', 'cart', 'direct'), 'unknown source', ''),
            if((source = 'direct') != (list_position = 0), 'list_position does not follow source', ''),
            if((views > 0) != isNotNull(first_view_ts), 'first_view_ts does not follow views', ''),
            if(viewed_out_of_stock = 1 AND views = 0, 'viewed_out_of_stock without a view', ''),
            if(revenue < 0 OR (purchased_qty = 0 AND revenue != 0), 'revenue without a purchase', '')
        ]) AS problems
    FROM dwh.product_sessions
    WHERE date = {day:Date}
)
WHERE notEmpty(problems)
