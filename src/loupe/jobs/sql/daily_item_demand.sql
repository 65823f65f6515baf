-- job: after=sessions rollup
-- etl.daily_item_demand for one business day, bots excluded (grain: day x item; time column:
-- date): what people asked of each item and what its stock-outs cost (docs/etl.md). A row for
-- each item a person viewed, carted (or was refused it) or bought that day, or whose stock was 0
-- for part of it.
-- - From the calls of the day's visits (etl.sessions' people; each visit's latest version in
--   etl.visit_calls, as an hourly run leaves them): views, views_out_of_stock (product pages
--   answered with stock 0 or less), visits_out_of_stock, cart_adds (quantity),
--   cart_attempts_out_of_stock (cart adds answered 409, the shop API's out_of_stock),
--   purchased_qty and revenue (qty x price of the order lines).
-- - From history.stock_versions, read as a step function (a version's quantity holds from its
--   valid_from until the next version's): out_of_stock_minutes, the time of the business day
--   [day_start, day_end) at quantity 0 or less, to the millisecond. Before an item's first version
--   and during a deletion version the quantity is unknown and does not count.
-- - From history.items_versions: section and price as of the end of the day (the item's newest
--   version that began before day_end; '' and 0 without one).
-- - lost_revenue_estimate = views_out_of_stock x rate x price, rate = the item's purchased_qty /
--   in-stock views (views - views_out_of_stock) over the 28 days before, read from
--   dwh.daily_item_demand; its section's (by each earlier row's section) when the item had no
--   in-stock views then; 0 when the section had none either.
-- The whole day is recomputed by every build (full or hourly), like the other rollups.
INSERT INTO etl.daily_item_demand
WITH
{% include "people_latest_visits.sql" %}
    calls AS (
        SELECT visit_id, event_type, status, is_ok, product_id, qty, stock, order_items
        FROM etl.visit_calls
        WHERE date = {day:Date} AND event_type IN ('product_view', 'cart_add', 'order')
          AND (visit_id, version) IN (SELECT visit_id, version FROM latest)
    ),
    touches AS (
        SELECT visit_id, product_id AS item_id,
            is_ok AND event_type = 'product_view' AS viewed,
            viewed AND ifNull(stock <= 0, 0) AS viewed_out,
            if(is_ok AND event_type = 'cart_add', qty, 0) AS cart_qty,
            event_type = 'cart_add' AND status = 409 AS refused,
            toUInt32(0) AS bought_qty, toFloat64(0) AS line_revenue
        FROM calls
        WHERE event_type != 'order' AND product_id > 0
        UNION ALL
        SELECT visit_id, line.product_id, 0, 0, 0, 0, line.qty, line.qty * line.price
        FROM calls
        ARRAY JOIN order_items AS line
        WHERE is_ok AND event_type = 'order'
    ),
    demand AS (
        SELECT item_id,
            countIf(viewed) AS views,
            countIf(viewed_out) AS views_out_of_stock,
            uniqExactIf(visit_id, viewed_out) AS visits_out_of_stock,
            sum(cart_qty) AS cart_adds,
            countIf(refused) AS cart_attempts_out_of_stock,
            sum(bought_qty) AS purchased_qty,
            sum(line_revenue) AS revenue
        FROM touches
        GROUP BY item_id
        HAVING views + cart_adds + cart_attempts_out_of_stock + purchased_qty > 0
    ),
    stock_steps AS (
        -- The version holding at the day's start (each item's latest begun before it), as a step
        -- from the start, then the versions begun during the day: the steps of the day.
        -- (argMax of plain values: of a tuple it took 4 to 10 times as long over 5M versions.)
        SELECT item_id, max(version) AS step_version,
            toUnixTimestamp64Milli({day_start:DateTime64(3, 'UTC')}) AS start_ms,
            argMax(quantity <= 0 AND NOT is_deleted, version) AS out
        FROM history.stock_versions
        WHERE valid_from < {day_start:DateTime64(3, 'UTC')}
        GROUP BY item_id
        UNION ALL
        SELECT item_id, version, toUnixTimestamp64Milli(valid_from), quantity <= 0 AND NOT is_deleted
        FROM history.stock_versions
        WHERE valid_from >= {day_start:DateTime64(3, 'UTC')} AND valid_from < {day_end:DateTime64(3, 'UTC')}
    ),
    stock_outs AS (
        -- Each step holds until the next one starts (the last until the day's end).
        SELECT toUInt64(item_id) AS item_id,
            arraySort(step -> step.1, groupArray((step_version, start_ms, out))) AS steps,
            arrayPushBack(arrayPopFront(arrayMap(step -> step.2, steps)),
                          toUnixTimestamp64Milli({day_end:DateTime64(3, 'UTC')})) AS step_ends,
            arraySum((step, step_end) -> if(step.3, step_end - step.2, 0), steps, step_ends)
                AS out_of_stock_ms
        FROM stock_steps
        GROUP BY item_id
        HAVING out_of_stock_ms > 0
    ),
    day_items AS (
        SELECT item_id, d.views AS views, d.views_out_of_stock AS views_out_of_stock,
            d.visits_out_of_stock AS visits_out_of_stock, d.cart_adds AS cart_adds,
            d.cart_attempts_out_of_stock AS cart_attempts_out_of_stock,
            d.purchased_qty AS purchased_qty, d.revenue AS revenue,
            s.out_of_stock_ms / 60000 AS out_of_stock_minutes
        FROM demand AS d
        FULL OUTER JOIN stock_outs AS s USING (item_id)
    ),
    items AS (
        -- Every item's (the catalog's versions are few; a filter on the day's items would
        -- compute day_items a second time).
        SELECT toUInt64(id) AS item_id, argMax(section, version) AS item_section,
            toFloat64(argMax(price, version)) AS item_price
        FROM history.items_versions
        WHERE valid_from < {day_end:DateTime64(3, 'UTC')}
        GROUP BY id
    ),
    earlier AS (
        SELECT item_id, section, purchased_qty AS bought, views - views_out_of_stock AS in_stock_views
        FROM dwh.daily_item_demand
        WHERE date >= {day:Date} - 28 AND date < {day:Date}
    ),
    item_rates AS (
        SELECT item_id, sum(bought) / sum(in_stock_views) AS rate, 1 AS known
        FROM earlier
        GROUP BY item_id
        HAVING sum(in_stock_views) > 0
    ),
    section_rates AS (
        SELECT section, sum(bought) / sum(in_stock_views) AS rate
        FROM earlier
        GROUP BY section
        HAVING sum(in_stock_views) > 0
    )
SELECT
    {day:Date} AS date,
    d.item_id AS item_id,
    i.item_section AS section,
    d.views AS views,
    d.views_out_of_stock AS views_out_of_stock,
    d.visits_out_of_stock AS visits_out_of_stock,
    d.cart_adds AS cart_adds,
    d.cart_attempts_out_of_stock AS cart_attempts_out_of_stock,
    d.purchased_qty AS purchased_qty,
    d.revenue AS revenue,
    d.out_of_stock_minutes AS out_of_stock_minutes,
    i.item_price AS price,
    d.views_out_of_stock * if(r.known = 1, r.rate, sr.rate) * i.item_price AS lost_revenue_estimate
FROM day_items AS d
LEFT JOIN items AS i ON i.item_id = d.item_id
LEFT JOIN item_rates AS r ON r.item_id = d.item_id
LEFT JOIN section_rates AS sr ON sr.section = i.item_section
SETTINGS join_use_nulls = 0, {{ insert_settings }}
