-- 1 if pd.api_calls has a call in [start, end), else 0: one index lookup (the table is
-- partitioned and ordered by ts).
SELECT count() FROM (
    SELECT 1 FROM pd.api_calls
    WHERE ts >= {start:DateTime64(3, 'UTC')} AND ts < {end:DateTime64(3, 'UTC')}
    LIMIT 1
)
