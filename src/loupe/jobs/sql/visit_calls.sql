-- job: stage
-- etl.visit_calls for one business day: every distinct call of the visits that START on the day.
-- Grain: call (deduplicated by event_id). Time column: ts; bounded by {window_start}..{window_end}
-- = the day widened by the visit cap on both sides, so visits crossing midnight are whole.
-- A visit = calls of one session_id split where the gap exceeds {visit_gap_ms}, and capped at
-- {visit_cap_ms} from its first call. Endpoints and JSON keys come from the shop-API map
-- (shop_api.yaml) as parameters; each body is parsed once per row.
INSERT INTO etl.visit_calls
WITH
    calls AS (
        SELECT event_id, ts, session_id, user_id, user_agent, method, endpoint, status, request, response
        FROM pd.api_calls
        WHERE ts >= {window_start:DateTime64(3, 'UTC')} AND ts < {window_end:DateTime64(3, 'UTC')}
          AND session_id IN (
              SELECT session_id FROM pd.api_calls
              WHERE ts >= {day_start:DateTime64(3, 'UTC')} AND ts < {day_end:DateTime64(3, 'UTC')}
          )
          AND (NOT {incremental:UInt8} OR session_id IN (SELECT session_id FROM etl.touched_sessions))
        LIMIT 1 BY event_id
    ),
    gaps AS (
        SELECT *,
            toUnixTimestamp64Milli(ts) - toUnixTimestamp64Milli(lagInFrame(ts, 1, toDateTime64(0, 3, 'UTC'))
                OVER (PARTITION BY session_id ORDER BY ts, event_id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW))
                > {visit_gap_ms:UInt64} AS starts_segment
        FROM calls
    ),
    segments AS (
        SELECT *,
            sum(starts_segment) OVER (PARTITION BY session_id ORDER BY ts, event_id
                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS segment
        FROM gaps
    ),
    capped AS (
        SELECT *,
            intDiv(toUnixTimestamp64Milli(ts)
                - toUnixTimestamp64Milli(min(ts) OVER (PARTITION BY session_id, segment)),
                {visit_cap_ms:UInt64}) AS cap_part
        FROM segments
    ),
    visits AS (
        SELECT *,
            min(ts) OVER (PARTITION BY session_id, segment, cap_part) AS visit_start,
            row_number() OVER (PARTITION BY session_id, segment, cap_part ORDER BY ts, event_id) AS call_seq,
            multiMatchAnyIndex(concat(method, ' ', endpoint), {event_patterns:Array(String)}) AS rule
        FROM capped
    ),
    parsed AS (
        SELECT *,
            if(rule = 0, 'other', {event_names:Array(String)}[rule]) AS event,
            {product_id_sources:Array(String)}[rule] AS product_id_source,
            {qty_sources:Array(String)}[rule] AS qty_source,
            JSONExtract(if(event = 'catalog', request, '{}'), {catalog_request_type:String})
                AS catalog_request
        FROM visits
        WHERE visit_start >= {day_start:DateTime64(3, 'UTC')} AND visit_start < {day_end:DateTime64(3, 'UTC')}
    )
SELECT
    toDate(visit_start, {timezone:String}) AS date,
    sipHash64(session_id, toUnixTimestamp64Milli(visit_start)) AS visit_id,
    session_id,
    call_seq AS seq,
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
            product_id_source != '', JSONExtractUInt(request, substring(product_id_source, 9)),
            0) AS product_id,
    if(qty_source != '', toUInt32(greatest(JSONExtractInt(request, substring(qty_source, 9)), 0)), 0) AS qty,
    if({list_items_keys:Array(String)}[rule] != '',
       arrayMap(item -> JSONExtractUInt(item, {list_item_id_keys:Array(String)}[rule]),
                JSONExtractArrayRaw(response, {list_items_keys:Array(String)}[rule])),
       []) AS list_ids,
    lowerUTF8(trimBoth(replaceRegexpAll(ifNull(tupleElement(catalog_request, 1), ''), '\\s+', ' '))) AS q,
    ifNull(tupleElement(catalog_request, 2), '') AS section,
    ifNull(tupleElement(catalog_request, 3), []) AS material,
    ifNull(tupleElement(catalog_request, 4), []) AS metal,
    ifNull(tupleElement(catalog_request, 5), []) AS stone,
    tupleElement(catalog_request, 6) AS price_min,
    tupleElement(catalog_request, 7) AS price_max,
    ifNull(tupleElement(catalog_request, 8), {default_sort:String}) AS sort,
    ifNull(tupleElement(catalog_request, 9), {default_page:UInt32}) AS page,
    ifNull(tupleElement(catalog_request, 10), {default_per_page:UInt32}) AS per_page,
    if(event = 'catalog', JSONExtractUInt(response, {catalog_total_key:String}), 0) AS results_total,
    if(event = 'product_view', JSONExtractFloat(response, {product_price_key:String}), 0) AS product_price,
    JSONExtract(if(event = 'order', request, '{}'), {order_items_key:String}, {order_items_type:String})
        AS order_items,
    if(event = 'order', JSONExtractFloat(response, {order_total_key:String}), 0) AS order_total
FROM parsed
