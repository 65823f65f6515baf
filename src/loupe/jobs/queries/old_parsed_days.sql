-- The days of etl.visit_calls more than {keep_days} days before its newest one, from the parts'
-- metadata (the table is partitioned by date): hourly runs read the parsed calls of the days
-- around the ones they rebuild only (missing_parsed_days.sql), so older days are dropped.
SELECT DISTINCT min_date AS day
FROM system.parts
WHERE database = 'etl' AND table = 'visit_calls' AND active
  AND min_date < (
      SELECT max(max_date) FROM system.parts
      WHERE database = 'etl' AND table = 'visit_calls' AND active
  ) - {keep_days:UInt16}
ORDER BY day
