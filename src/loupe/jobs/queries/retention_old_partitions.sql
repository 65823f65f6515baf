-- The day partitions of a table partitioned by day (`PARTITION BY date` or `toDate(ts)`) older
-- than {before} (retention.py), from the parts' metadata; the partition's text is its day.
SELECT DISTINCT partition_id, toDate(partition) AS day
FROM system.parts
WHERE active AND database = {table_db:String} AND table = {table:String}
  AND toDate(partition) < {before:Date}
ORDER BY day
