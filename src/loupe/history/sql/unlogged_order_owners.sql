-- The owners of the orders a reconciliation found only in the production database (grain:
-- order): an erased person's orders are among them (their calls are gone from pd.api_calls).
SELECT r.order_id AS order_id, toString(o.user_id) AS user_id, o.session_id AS session_id
FROM etl.reconcile_orders AS r
INNER JOIN mysql.orders AS o ON o.id = r.order_id
WHERE r.in_db AND NOT r.in_log
