-- job: after=sessions,daily_product_stats whole rollup
-- etl.price_changes, whole: people's demand for an item on the days around each of its price
-- changes (bots excluded). Grain: change (item_id, changed_at) x day_offset, -14..14 from the
-- change's business day; only the offsets whose day is built (a day with visits in dwh.sessions,
-- the day being built with its staged ones) have a row, so the days still to come, or never
-- built, have none, and a day is built or not whatever the order of the builds. views,
-- cart_adds and purchased_qty are the item's on that day in dwh.daily_product_stats (the day
-- being built from its staging), 0 when it had none.
-- A price change is a live version of history.items_versions whose price differs from the
-- version just before it; changed_at is its valid_from (the snapshot that first saw it). Items
-- are tracked on every column, so versions that change another column only are left out, and so
-- is a version whose previous one retention deleted (docs/etl.md).
-- Recomputed whole: any day's build can fill offsets of up to 29 changes, and a snapshot can
-- add changes; the table stays a function of dwh, its built days and history.
INSERT INTO etl.price_changes
WITH
    changes AS (
        SELECT id AS item_id, valid_from AS changed_at, previous_price AS old_price,
            price AS new_price, toDate(valid_from, {timezone:String}) AS change_day
        FROM (
            SELECT id, version, price, valid_from, is_deleted,
                lagInFrame(version) OVER by_key AS previous_version,
                lagInFrame(price) OVER by_key AS previous_price
            FROM history.items_versions
            -- Only an item with a second version can have a change: those are read by key.
            WHERE id IN (SELECT id FROM history.items_versions WHERE version > 1)
            WINDOW by_key AS (PARTITION BY id ORDER BY version ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
        )
        WHERE version > 1 AND previous_version = version - 1 AND NOT is_deleted
            AND price != previous_price
    ),
    cells AS (
        SELECT item_id, changed_at, old_price, new_price, toInt8(offset) AS day_offset,
            change_day + offset AS day
        FROM changes
        ARRAY JOIN range(-14, 15) AS offset
        WHERE day IN (
            SELECT DISTINCT date FROM dwh.sessions WHERE date != {day:Date}
            UNION ALL
            SELECT DISTINCT date FROM etl.sessions WHERE date = {day:Date}
        )
    ),
    demand AS (
        SELECT date, product_id, views, cart_adds, purchased_qty
        FROM dwh.daily_product_stats
        WHERE date != {day:Date}
            AND product_id IN (SELECT toUInt64(id) FROM history.items_versions WHERE version > 1)
        UNION ALL
        SELECT date, product_id, views, cart_adds, purchased_qty
        FROM etl.daily_product_stats
        WHERE date = {day:Date}
    )
SELECT c.item_id AS item_id, c.changed_at AS changed_at, c.old_price AS old_price,
    c.new_price AS new_price, c.day_offset AS day_offset, d.views AS views,
    d.cart_adds AS cart_adds, d.purchased_qty AS purchased_qty
FROM cells AS c
LEFT ANY JOIN demand AS d ON d.product_id = toUInt64(c.item_id) AND d.date = c.day
SETTINGS join_use_nulls = 0, {{ insert_settings }}
