-- 1 if the database exists, else 0 (the production link `mysql`, for one).
SELECT count() FROM system.databases WHERE name = {db:String}
