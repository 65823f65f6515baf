-- 1 if the table exists, else 0.
SELECT count() FROM system.tables WHERE database = {d:String} AND name = {n:String}
