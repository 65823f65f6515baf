-- The tables of one database, by name (the production link's, schema/link.py).
SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name
