-- Order reconciliation of one run (grain: order id): orders logged by the API against orders in
-- the production database, read from [window_start, window_end) on both sides (a day wider than
-- the days reported, so an order logged just before midnight still finds its row). Logged orders
-- are successful POST /api/v1/orders calls (status < 400), deduplicated by event_id, with
-- response.order_id and response.total. An order's `date` is its database day (created_at in the
-- business timezone), else the day it was logged. Staged once; the day rows and the unmatched
-- list are both read from etl.reconcile_orders.
INSERT INTO etl.reconcile_orders
WITH
    logged AS (
        SELECT
            JSONExtract(response, 'order_id', 'Int64') AS order_id,
            min(toDate(ts, {timezone:String})) AS log_date,
            any(JSONExtractFloat(response, 'total')) AS logged_total
        FROM (
            SELECT event_id, ts, response
            FROM pd.api_calls
            WHERE ts >= {window_start:DateTime64(3, 'UTC')}
                AND ts < {window_end:DateTime64(3, 'UTC')}
                AND method = 'POST'
                AND match(endpoint, {orders_path:String})
                AND status < 400
            LIMIT 1 BY event_id
        )
        GROUP BY order_id
    ),
    db AS (
        SELECT
            id AS order_id,
            toDate(toDateTime64(created_at, 3, 'UTC'), {timezone:String}) AS db_date,
            toFloat64(total) AS db_total
        FROM mysql.orders
        WHERE created_at >= {window_start_text:String} AND created_at < {window_end_text:String}
    )
SELECT
    if(d.order_id != 0, d.db_date, l.log_date) AS date,
    if(d.order_id != 0, d.order_id, l.order_id) AS order_id,
    l.order_id != 0 AS in_log,
    d.order_id != 0 AS in_db,
    if(in_log, l.logged_total, NULL) AS logged_total,
    if(in_db, d.db_total, NULL) AS db_total,
    in_log AND in_db AND abs(l.logged_total - d.db_total) < 0.005 AS matched
FROM logged AS l
FULL OUTER JOIN db AS d ON l.order_id = d.order_id
SETTINGS join_use_nulls = 0
