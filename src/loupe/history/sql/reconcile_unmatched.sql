-- The run's unmatched orders into dwh.order_reconciliation_unmatched (grain: order x run).
INSERT INTO dwh.order_reconciliation_unmatched
SELECT
    {checked_at:DateTime64(3, 'UTC')},
    date,
    order_id,
    multiIf(NOT in_db, 'log_only', NOT in_log, 'db_only', 'total_mismatch'),
    logged_total,
    db_total
FROM etl.reconcile_orders
WHERE date BETWEEN {first:Date} AND {last:Date} AND NOT matched
