-- audit: dwh.price_changes has one row per change and day offset
-- Offending rows: an (item_id, changed_at, day_offset) of the audited day (the business day of
-- changed_at plus day_offset) found more than once, with its count. Grain: change x day offset.
SELECT item_id, changed_at, day_offset, count() AS copies
FROM dwh.price_changes
WHERE toDate(changed_at, {timezone:String}) + day_offset = {day:Date}
GROUP BY item_id, changed_at, day_offset
HAVING copies > 1
