-- The newest day built in dwh.sessions: where the dashboards' default date range ends.
SELECT max(date) FROM dwh.sessions
