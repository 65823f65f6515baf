-- A statement parsed and printed by the engine (interface/statement.py): a syntax error, or more
-- than one statement, is refused before anything runs.
SELECT formatQuery({q:String})
