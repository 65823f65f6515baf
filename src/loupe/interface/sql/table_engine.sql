-- A table's engine and, for a view, its SELECT (interface/guard.py: a reader reads MergeTree
-- tables and views over them only).
SELECT engine, as_select FROM system.tables WHERE database = {d:String} AND name = {t:String}
