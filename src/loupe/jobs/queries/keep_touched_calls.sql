-- An hourly run's staged calls of the touched sessions join the parsed calls kept in
-- etl.visit_calls (their earlier rows were just masked; see run.py).
INSERT INTO etl.visit_calls SELECT * FROM etl.touched_calls WHERE date = {day:Date}
