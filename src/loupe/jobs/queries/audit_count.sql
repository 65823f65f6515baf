-- How many rows break an audit's rule: its SELECT (a packaged file of jobs/audits/) rendered as
-- a subquery, its values bound as parameters.
SELECT count() FROM ({{ audit }})
