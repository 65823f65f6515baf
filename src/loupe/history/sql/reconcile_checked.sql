-- The day rows one reconciliation run recorded (history/reconcile.py), by day.
SELECT toString(date) AS date, logged_orders, db_orders, matched, logged_revenue, db_revenue,
    match_rate
FROM dwh.order_reconciliation
WHERE checked_at = {checked_at:DateTime64(3, 'UTC')}
ORDER BY date
