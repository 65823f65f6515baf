-- The last week of order reconciliation, newest day first (loupe status).
SELECT date, logged_orders, db_orders, matched, match_rate, checked_at
FROM dwh.order_reconciliation_latest ORDER BY date DESC LIMIT 7
