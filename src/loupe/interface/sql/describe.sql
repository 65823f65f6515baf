-- The columns of a reader's SELECT without running it (interface/app.py: the Native header
-- block). The statement is the reader's own, already parsed by the engine (formatQuery) and
-- checked by the guard; it is rendered as a subquery.
DESCRIBE ({{ statement }})
