-- A few of the rows that break an audit's rule, for its report (jobs/audit.py).
SELECT * FROM ({{ audit }}) LIMIT {sample_rows:UInt32}
