-- audit: dwh.price_changes rows of the day have an offset within -14..14 and a price that changed
-- Offending rows: the rows whose day (the business day of changed_at plus day_offset) is the
-- audited day and whose day_offset lies outside -14..14, or whose old and new prices are equal.
-- Grain: change x day offset.
SELECT item_id, changed_at, day_offset, old_price, new_price
FROM dwh.price_changes
WHERE toDate(changed_at, {timezone:String}) + day_offset = {day:Date}
  AND (day_offset NOT BETWEEN -14 AND 14 OR old_price = new_price)
