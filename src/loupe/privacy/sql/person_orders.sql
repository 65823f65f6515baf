-- The orders of the given users or sessions in the copy of the production orders (grain: order).
SELECT DISTINCT id FROM dwh.orders
WHERE has({users:Array(Int64)}, user_id) OR session_id IN {sessions:Array(String)}
