-- Earlier days for the benchmark's warehouse, as months of builds would leave in dwh.sessions:
-- {days} copies of the bench day's visits, from 3 days before it back (the days next to the bench
-- day stay empty: an hourly run builds a day in full when a neighbour has no parsed calls). Each
-- copy has its own session ids; the registered users come back on every 7th copy and are guests
-- on the others.
INSERT INTO dwh.sessions
SELECT s.* REPLACE (
    s.date - back AS date,
    sipHash64(s.visit_id, back) AS visit_id,
    s.session_id || '-' || toString(back) AS session_id,
    s.start_ts - toIntervalDay(back) AS start_ts,
    s.end_ts - toIntervalDay(back) AS end_ts,
    if(back % 7 = 0, s.user_id, 0) AS user_id
)
FROM dwh.sessions AS s, (SELECT number + 3 AS back FROM numbers({days:UInt32})) AS copies
WHERE s.date = {day:Date}
SETTINGS max_partitions_per_insert_block = 10000
