-- Publishes that began their swaps and never recorded an end (jobs/publish.py): the process
-- died in the middle, and the day's kept partitions are still in etl.previous_<job>.
SELECT day, version, any(wrote_visitors) AS wrote_visitors, any(jobs) AS jobs
FROM etl.publishes
GROUP BY day, version
HAVING countIf(state != 'swapping') = 0
ORDER BY day, version
