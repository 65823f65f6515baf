-- The databases that exist (interface/guard.py: a reader is checked against them).
SELECT name FROM system.databases
