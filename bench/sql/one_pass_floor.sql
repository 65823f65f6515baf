-- The one-pass floor of a day build: what any design must do before it writes a dwh table, done
-- the cheapest way found on this engine. Read the window's calls once, deduplicated (FINAL),
-- parse each body once into every field any job takes from it (as scan_limit.sql does), and
-- number each call's visit within its session with window functions by (session_id, ts), so no
-- join and no grouping bring the parsed calls and their visits together. Each of the two window
-- levels still sorts its input (EXPLAIN PIPELINE), bodies included.
-- Less than the real rule: no 24-hour cap, no per-visit order, and nothing aggregated.
-- bench/etl.py runs it into a Null table (compute only) and into a MergeTree without a sort key
-- (compute plus the cheapest write of the parsed, cut calls, which three tables read next).
SELECT event_id, ts, session_id, user_id, user_agent, method, endpoint, status,
    JSONExtract(request, 'Tuple(q Nullable(String), section Nullable(String), material Array(String),
        metal Array(String), stone Array(String), price_min Nullable(Float64),
        price_max Nullable(Float64), sort Nullable(String), page Nullable(UInt32),
        per_page Nullable(UInt32), product_id UInt64, qty Int64,
        items Array(Tuple(product_id UInt64, qty UInt32, price Float64)))') AS req,
    JSONExtract(response, 'Tuple(total Float64, price Float64,
        items Array(Tuple(id UInt64, product_id UInt64)))') AS resp,
    sum(starts_visit) OVER (PARTITION BY session_id ORDER BY ts ROWS UNBOUNDED PRECEDING) AS visit_number
FROM (
    SELECT *,
        toUnixTimestamp64Milli(ts) - lagInFrame(toUnixTimestamp64Milli(ts), 1, 0)
            OVER (PARTITION BY session_id ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
            > {visit_gap_ms:UInt64} AS starts_visit
    FROM pd.api_calls FINAL
    WHERE ts >= {window_start:DateTime64(3, 'UTC')} AND ts < {window_end:DateTime64(3, 'UTC')}
)
