-- The engine's table functions: a reader's statement may call none of them (interface/guard.py).
SELECT name FROM system.table_functions
