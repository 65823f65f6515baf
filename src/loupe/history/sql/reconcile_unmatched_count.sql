-- How many orders one reconciliation run found unmatched (history/reconcile.py).
SELECT count() FROM dwh.order_reconciliation_unmatched
WHERE checked_at = {checked_at:DateTime64(3, 'UTC')}
