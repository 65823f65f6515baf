-- One row per business day of the run in dwh.order_reconciliation (grain: day x run): orders
-- logged and in the database, matched (same id, same total), revenue on each side, and the match
-- rate (matched over the larger of the two counts).
INSERT INTO dwh.order_reconciliation
SELECT
    {checked_at:DateTime64(3, 'UTC')},
    date,
    countIf(in_log) AS logged_orders,
    countIf(in_db) AS db_orders,
    countIf(matched) AS matched_orders,
    sumIf(logged_total, in_log),
    sumIf(db_total, in_db),
    matched_orders / greatest(logged_orders, db_orders)
FROM etl.reconcile_orders
WHERE date BETWEEN {first:Date} AND {last:Date}
GROUP BY date
