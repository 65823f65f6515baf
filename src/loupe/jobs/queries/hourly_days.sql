-- The business days an hourly run rebuilds: the days its affected visits started on, and the
-- days its rebuilt visits start on.
SELECT arraySort(groupUniqArray(date)) AS days
FROM (
    SELECT date FROM etl.affected_visits
    UNION ALL
    SELECT date FROM etl.touched_calls
)
