-- audit: each item's demand and stock-out columns agree with each other (docs/etl.md)
-- Offending rows: the day's items of dwh.daily_item_demand with the names of the rules they
-- break: more views out of stock than views, more visits than views out of stock (or visits
-- without them), stock-out minutes outside the business day's length (1380 to 1500 on a day the
-- clock changes), revenue without a purchase, a negative estimate or one without views out of
-- stock, or a row with neither demand nor a stock-out. Grain: day x item.
SELECT item_id, problems
FROM (
    SELECT item_id,
        arrayFilter(problem -> problem != '', [
            if(views_out_of_stock > views, 'more views out of stock than views', ''),
            if(visits_out_of_stock > views_out_of_stock
                   OR (visits_out_of_stock = 0) != (views_out_of_stock = 0),
               'visits_out_of_stock does not follow views_out_of_stock', ''),
            if(out_of_stock_minutes < 0 OR out_of_stock_minutes > (
                   toUnixTimestamp(toDateTime({day:Date} + 1, {timezone:String}))
                   - toUnixTimestamp(toDateTime({day:Date}, {timezone:String}))) / 60,
               'out_of_stock_minutes outside the day', ''),
            if(revenue < 0 OR (purchased_qty = 0 AND revenue != 0), 'revenue without a purchase', ''),
            if(lost_revenue_estimate < 0 OR (views_out_of_stock = 0 AND lost_revenue_estimate != 0),
               'lost_revenue_estimate without views out of stock', ''),
            if(views + cart_adds + cart_attempts_out_of_stock + purchased_qty = 0
                   AND out_of_stock_minutes = 0,
               'neither demand nor a stock-out', '')
        ]) AS problems
    FROM dwh.daily_item_demand
    WHERE date = {day:Date}
)
WHERE notEmpty(problems)
