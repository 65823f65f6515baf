-- The engine's scan limit for a day build: read every column the jobs read, for the same window,
-- and parse each JSON body once into every field any job takes from it. Nothing else: no
-- deduplication, no visits, no joins. The jobs' time is set against this.
SELECT count() AS calls, sum(cityHash64(
    event_id, ts, session_id, user_id, user_agent, method, endpoint, status,
    JSONExtract(request, 'Tuple(q Nullable(String), section Nullable(String), material Array(String),
        metal Array(String), stone Array(String), price_min Nullable(Float64),
        price_max Nullable(Float64), sort Nullable(String), page Nullable(UInt32),
        per_page Nullable(UInt32), product_id UInt64, qty Int64,
        items Array(Tuple(product_id UInt64, qty UInt32, price Float64)))'),
    JSONExtract(response, 'Tuple(total Float64, price Float64,
        items Array(Tuple(id UInt64, product_id UInt64)))')
)) AS checksum
FROM pd.api_calls
WHERE ts >= {window_start:DateTime64(3, 'UTC')} AND ts < {window_end:DateTime64(3, 'UTC')}
