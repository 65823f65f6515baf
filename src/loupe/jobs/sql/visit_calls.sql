-- job: stage
-- etl.visit_calls for one business day: every distinct call of the visits that START on the day.
-- Grain: call (deduplicated: FINAL folds repeats of a call, which share session, time and
-- event_id). Time column: ts; bounded by {window_start}..{window_end} = the day widened by the
-- visit cap on both sides, so visits crossing midnight are whole.
-- A visit = calls of one session_id split where the gap exceeds {visit_gap_ms}, and capped at
-- {visit_cap_ms} from its first call. Endpoints and JSON keys come from the shop-API map
-- (shop_api.yaml) as parameters.
-- Why it is fast: visit starts are computed per session on three narrow columns; the calls are
-- then read in the table's order (session_id, ts, event_id), so numbering them needs no sort;
-- each body is parsed once, only for calls of the day's visits and only where the map says a
-- job reads it.
INSERT INTO etl.visit_calls
WITH
    day_sessions AS (
        -- The sessions with calls on the day; in an hourly run, only the touched ones.
        SELECT session_id FROM pd.api_calls
        WHERE NOT {incremental:UInt8}
          AND ts >= {day_start:DateTime64(3, 'UTC')} AND ts < {day_end:DateTime64(3, 'UTC')}
        UNION ALL
        SELECT session_id FROM etl.touched_sessions WHERE {incremental:UInt8}
    ),
    visit_starts AS (
        -- Per session: the start time (ms) of each visit and the session rank of its first call.
        SELECT session_id,
            arraySort(groupArray(toUnixTimestamp64Milli(ts))) AS times,
            arrayMap((t, previous) -> t - previous > {visit_gap_ms:UInt64}, times,
                     arrayPushFront(arrayPopBack(times), 0)) AS after_gap,
            arrayFill(t -> t > 0, arrayMap((t, gap) -> if(gap, t, 0), times, after_gap)) AS gap_start,
            arrayMap((t, start) -> intDiv(t - start, {visit_cap_ms:UInt64}), times, gap_start) AS cap_part,
            arrayFilter((i, gap, part, previous) -> gap OR part != previous, arrayEnumerate(times),
                        after_gap, cap_part, arrayPushFront(arrayPopBack(cap_part), 0)) AS first_ranks,
            arrayMap(i -> times[i], first_ranks) AS starts
        FROM pd.api_calls FINAL
        WHERE ts >= {window_start:DateTime64(3, 'UTC')} AND ts < {window_end:DateTime64(3, 'UTC')}
          AND session_id IN day_sessions
        GROUP BY session_id
    ),
    ranked AS (
        SELECT event_id, ts, session_id, user_id, user_agent, method, endpoint, status, request, response,
            row_number() OVER (PARTITION BY session_id ORDER BY ts, event_id) AS session_rank
        FROM pd.api_calls FINAL
        WHERE ts >= {window_start:DateTime64(3, 'UTC')} AND ts < {window_end:DateTime64(3, 'UTC')}
          AND session_id IN day_sessions
    ),
    calls AS (
        SELECT c.*,
            multiMatchAnyIndex(concat(method, ' ', endpoint), {event_patterns:Array(String)}) AS rule,
            arrayLastIndex(start -> start <= toUnixTimestamp64Milli(c.ts), v.starts) AS visit_number,
            fromUnixTimestamp64Milli(v.starts[visit_number], 'UTC') AS visit_start,
            toUInt32(c.session_rank - v.first_ranks[visit_number] + 1) AS seq
        FROM ranked AS c
        INNER JOIN visit_starts AS v ON v.session_id = c.session_id
        WHERE visit_start >= {day_start:DateTime64(3, 'UTC')} AND visit_start < {day_end:DateTime64(3, 'UTC')}
    ),
    parsed AS (
        SELECT *,
            if(rule = 0, 'other', {event_names:Array(String)}[rule]) AS event,
            if({parse_request:Array(UInt8)}[rule] = 1, JSONExtract(request, {request_type:String}),
               JSONExtract('{}', {request_type:String})) AS req,
            if({parse_response:Array(UInt8)}[rule] = 1, JSONExtract(response, {response_type:String}),
               JSONExtract('{}', {response_type:String})) AS resp,
            {product_id_sources:Array(String)}[rule] AS product_id_source,
            {list_item_id_at:Array(UInt8)}[rule] AS list_item_id_at
        FROM calls
    )
SELECT
    toDate(visit_start, {timezone:String}) AS date,
    sipHash64(session_id, toUnixTimestamp64Milli(visit_start)) AS visit_id,
    session_id,
    seq,
    ts,
    visit_start AS start_ts,
    event_id,
    user_id,
    user_agent,
    method,
    endpoint,
    status,
    status < 400 AS is_ok,
    event AS event_type,
    multiIf(product_id_source = 'path', toUInt64OrZero(extract(endpoint, '(\\d+)/?$')),
            product_id_source = 'request', tupleElement(req, 12),
            0) AS product_id,
    if({qty_sources:Array(String)}[rule] = 'request', toUInt32(greatest(tupleElement(req, 13), 0)), 0)
        AS qty,
    if(list_item_id_at > 0,
       arrayMap(item -> [untuple(item)][list_item_id_at],
                tupleElement(resp, {response_list_items_at:UInt8})),
       []) AS list_ids,
    lowerUTF8(trimBoth(replaceRegexpAll(ifNull(tupleElement(req, 1), ''), '\\s+', ' '))) AS q,
    ifNull(tupleElement(req, 2), '') AS section,
    tupleElement(req, 3) AS material,
    tupleElement(req, 4) AS metal,
    tupleElement(req, 5) AS stone,
    tupleElement(req, 6) AS price_min,
    tupleElement(req, 7) AS price_max,
    ifNull(tupleElement(req, 8), {default_sort:String}) AS sort,
    ifNull(tupleElement(req, 9), {default_page:UInt32}) AS page,
    ifNull(tupleElement(req, 10), {default_per_page:UInt32}) AS per_page,
    -- Multiplying by the event test (rather than `if`) keeps `resp` one eager expression: each
    -- `if` would evaluate its lazy branch on its own rows, parsing the body again.
    toUInt64(tupleElement(resp, {response_catalog_total_at:UInt8})) * (event = 'catalog') AS results_total,
    tupleElement(resp, {response_product_price_at:UInt8}) * (event = 'product_view') AS product_price,
    if(event = 'order', tupleElement(req, 11), []) AS order_items,
    tupleElement(resp, {response_order_total_at:UInt8}) * (event = 'order') AS order_total
FROM parsed
-- Read the calls in the table's order and number them without a sort (a ClickHouse server
-- accepts the same settings).
SETTINGS optimize_read_in_window_order = 1,
    query_plan_enable_multithreading_after_window_functions = 0,
    optimize_move_to_prewhere_if_final = 1
