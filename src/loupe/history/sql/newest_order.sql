-- The newest order's time in the production database, in its text form (SQLite keeps DATETIME
-- as text); no row when it has no orders.
SELECT toString(max(created_at)) FROM mysql.orders HAVING count() > 0
