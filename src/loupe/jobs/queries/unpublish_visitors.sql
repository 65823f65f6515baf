-- Deletes the etl.visitors rows an interrupted publish wrote under its version (publish.py).
DELETE FROM etl.visitors WHERE date = {day:Date} AND version = {v:UInt64}
