-- The oldest day built in dwh.sessions: a previous period starting before it is not compared.
SELECT min(date) FROM dwh.sessions
