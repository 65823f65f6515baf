-- The columns of one table in their order (an entity's history and source tables:
-- history/entities.py).
SELECT name FROM system.columns WHERE database = {db:String} AND table = {t:String}
ORDER BY position
