-- The COMMENT of one database: the production link keeps its identity there (schema/link.py).
SELECT comment FROM system.databases WHERE name = {db:String}
