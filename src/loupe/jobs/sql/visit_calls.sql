-- job: stage
-- etl.visit_calls for one business day: every distinct call of the visits that START on the day.
-- Grain: call (deduplicated by event_id). Time column: ts; bounded by {window_start}..{window_end}
-- = the day widened by the visit cap on both sides, so visits crossing midnight are whole.
-- A visit = calls of one session_id split where the gap exceeds {visit_gap_ms}, and capped at
-- {visit_cap_ms} from its first call. Endpoints and JSON keys come from the shop-API map
-- (shop_api.yaml) as parameters. Visits are cut on narrow rows (session, time, id) gathered per
-- session: sorting the parsed calls would move their arrays and strings; the parsed fields join
-- back by event_id.
-- Each body is parsed once, only for calls of visits that start on the day, and only for the
-- events the map says a job reads it from.
-- An hourly run (`incremental`) fills etl.touched_calls instead, with the visits its calls can
-- change (etl.affected_visits, of any day): it parses just the calls received since the last
-- run and reads those visits' other calls already parsed from etl.visit_calls, which every build
-- keeps, then cuts them into visits again. Its rows carry the run's {version}; they are added to
-- etl.visit_calls beside the ones they replace, and a run reads each visit's latest version.
{# What the parsed fields of a call are computed from, and the fields (the columns that follow
   start_ts in etl.visit_calls): written once, used by both kinds of build. #}
{% set parse_inputs %}
    if(rule = 0, 'other', {event_names:Array(String)}[rule]) AS event,
    if({parse_request:Array(UInt8)}[rule] = 1, JSONExtract(request, {request_type:String}),
       JSONExtract('{}', {request_type:String})) AS req,
    if({parse_response:Array(UInt8)}[rule] = 1, JSONExtract(response, {response_type:String}),
       JSONExtract('{}', {response_type:String})) AS resp,
    {product_id_sources:Array(String)}[rule] AS product_id_source,
    {list_item_id_at:Array(UInt8)}[rule] AS list_item_id_at
{% endset %}
{# A catalog list filter: the request's array, or its one value when the request gives a plain
   string, as a query string does for a filter chosen once (`?material=gold`); the body is read
   again only for a catalog call whose array is empty and whose request names the key. #}
{% macro list_filter(field, key_at) -%}
    if(event = 'catalog' AND empty(tupleElement(req, {request_{{ field }}_at:UInt8}))
           AND position(request, concat('"', {list_filter_keys:Array(String)}[{{ key_at }}], '"')) > 0,
       arrayFilter(value -> value != '', [JSONExtractString(request, {list_filter_keys:Array(String)}[{{ key_at }}])]),
       tupleElement(req, {request_{{ field }}_at:UInt8}))
{%- endmacro %}
{% set parsed_columns %}
    event_id,
    user_id,
    user_agent,
    client_hints,
    ip,
    method,
    endpoint,
    status,
    status < 400 AS is_ok,
    event AS event_type,
    multiIf(product_id_source = 'path', toUInt64OrZero(extract(endpoint, '(\\d+)/?$')),
            product_id_source = 'request', tupleElement(req, {request_product_id_at:UInt8}),
            0) AS product_id,
    if({qty_sources:Array(String)}[rule] = 'request', toUInt32(greatest(tupleElement(req, {request_qty_at:UInt8}), 0)), 0)
        AS qty,
    if(list_item_id_at > 0,
       arrayMap(item -> [untuple(item)][list_item_id_at],
                tupleElement(resp, {response_list_items_at:UInt8})),
       []) AS list_ids,
    lowerUTF8(trimBoth(replaceRegexpAll(ifNull(tupleElement(req, {request_q_at:UInt8}), ''), '\\s+', ' '))) AS q,
    ifNull(tupleElement(req, {request_section_at:UInt8}), '') AS section,
    {{ list_filter("material", 1) }} AS material,
    {{ list_filter("metal", 2) }} AS metal,
    {{ list_filter("stone", 3) }} AS stone,
    tupleElement(req, {request_price_min_at:UInt8}) AS price_min,
    tupleElement(req, {request_price_max_at:UInt8}) AS price_max,
    ifNull(tupleElement(req, {request_sort_at:UInt8}), {default_sort:String}) AS sort,
    ifNull(tupleElement(req, {request_page_at:UInt8}), {default_page:UInt32}) AS page,
    ifNull(tupleElement(req, {request_per_page_at:UInt8}), {default_per_page:UInt32}) AS per_page,
    -- Multiplying by the event test (rather than `if`) keeps `resp` one eager expression: each
    -- `if` would evaluate its lazy branch on its own rows, parsing the body again.
    toUInt64(tupleElement(resp, {response_catalog_total_at:UInt8})) * (event = 'catalog') AS results_total,
    tupleElement(resp, {response_product_price_at:UInt8}) * (event = 'product_view') AS product_price,
    if(event = 'order', tupleElement(req, {request_order_items_at:UInt8}), []) AS order_items,
    tupleElement(resp, {response_order_total_at:UInt8}) * (event = 'order') AS order_total,
    if(event = 'order', tupleElement(req, {request_promo_at:UInt8}), '') AS promo,
    -- NULL unless the call is a product page that answered with its stock.
    if(event = 'product_view', tupleElement(resp, {response_product_stock_at:UInt8}), NULL) AS stock,
    -- The shop page of the call and the page's own referrer: the visit's source
    -- (jobs/sql/sessions.sql).
    referer,
    page_referrer,
    -- The endpoint's template from the map (`/api/v1/products/{id}`); an unmapped call's endpoint.
    if(rule = 0 OR {event_routes:Array(String)}[rule] = '', endpoint, {event_routes:Array(String)}[rule])
        AS route,
    -- A cart add's line after the add (its quantity and price), and the customer a login or
    -- registration answers with: the cart episodes (jobs/sql/cart_events.sql).
    toUInt32(tupleElement(resp, {response_cart_qty_at:UInt8})) * (event = 'cart_add') AS cart_qty,
    tupleElement(resp, {response_cart_price_at:UInt8}) * (event = 'cart_add') AS cart_price,
    tupleElement(resp, {response_account_id_at:UInt8}) * (event IN ('login', 'register')) AS account_id
{% endset %}
INSERT INTO etl.{calls:Identifier}
WITH
    calls AS (
        SELECT event_id, ts, session_id, user_id, user_agent, client_hints, ip, method, endpoint, status,
            request, response, referer, page_referrer,
            multiMatchAnyIndex(concat(method, ' ', endpoint), {event_patterns:Array(String)}) AS rule
{%- if incremental %}
        FROM pd.api_calls
        -- The calls received since the last hourly run (and not later than its lookback), each
        -- delivery of them: the visit cut keeps one per event_id, and all_calls below one per copy.
        WHERE received_at > {watermark:DateTime64(3, 'UTC')}
          AND received_at <= {new_watermark:DateTime64(3, 'UTC')}
          AND ts >= {ts_floor:DateTime64(3, 'UTC')}
{%- else %}
        -- FINAL folds copies of a call (same session, ts and event_id) still in separate parts; it
        -- costs little once the day's parts have merged. A global LIMIT 1 BY event_id would run
        -- on one thread (1.3 s of a 10M-call day); the visit cut keeps one call per event_id.
        FROM pd.api_calls FINAL
        WHERE ts >= {window_start:DateTime64(3, 'UTC')} AND ts < {window_end:DateTime64(3, 'UTC')}
          -- The sessions with calls on the day (an IN set: the primary key and PREWHERE use it).
          AND session_id IN (
              SELECT session_id FROM pd.api_calls
              WHERE ts >= {day_start:DateTime64(3, 'UTC')} AND ts < {day_end:DateTime64(3, 'UTC')}
          )
{%- endif %}
    ),
{%- if incremental %}
    -- The other calls of the affected visits, parsed by earlier builds (less any received again),
    -- as the latest build of each visit wrote them: every build writes all the calls of the
    -- visits it builds, with one version, so older versions hold only replaced rows.
    -- etl.visit_calls is ordered by start_ts: the bound on it reads only the recent granules.
    parsed_before AS (
        SELECT * FROM etl.visit_calls
        WHERE start_ts >= (SELECT min(start_ts) FROM etl.affected_visits)
          AND (visit_id, version) IN (
              SELECT visit_id, max(version) FROM etl.visit_calls
              WHERE start_ts >= (SELECT min(start_ts) FROM etl.affected_visits)
                AND visit_id IN (SELECT visit_id FROM etl.affected_visits)
              GROUP BY visit_id
          )
          AND event_id NOT IN (SELECT event_id FROM calls)
    ),
{%- endif %}
    timelines AS (
        -- Per session, its calls in time order, cut into visits with array functions (one
        -- aggregation, instead of a sort per window): a visit starts at a session's first call,
        -- after a gap over {visit_gap_ms}, and at the first call {visit_cap_ms} or more after
        -- the start of its run of calls.
        SELECT
            -- A call counts once per event_id: the first in time (sorted by id, then kept if the
            -- id differs from the one before).
            arraySort(call -> (call.2, call.1), groupArray((toUnixTimestamp64Milli(ts), event_id))) AS by_id,
            arraySort(arrayFilter((call, i) -> i = 1 OR call.2 != by_id[i - 1].2, by_id, arrayEnumerate(by_id)))
                AS timeline,
            arrayMap(call -> call.1, timeline) AS times,
            arrayMap((t, i) -> i = 1 OR t - times[i - 1] > {visit_gap_ms:UInt64}, times, arrayEnumerate(times))
                AS starts_run,
            arrayFill(t -> t > 0, arrayMap((t, s) -> s ? t : 0, times, starts_run)) AS run_starts,
            arrayMap((t, s) -> intDiv(t - s, {visit_cap_ms:UInt64}), times, run_starts) AS cap_parts,
            arrayMap((s, c, i) -> s OR c != cap_parts[i - 1], starts_run, cap_parts, arrayEnumerate(times))
                AS starts_visit,
            arrayFill(t -> t > 0, arrayMap((t, s) -> s ? t : 0, times, starts_visit)) AS visit_starts,
            arrayFill(i -> i > 0, arrayMap((i, s) -> s ? i : 0, arrayEnumerate(times), starts_visit))
                AS visit_first_positions
        FROM (
            SELECT event_id, session_id, ts FROM calls
{%- if incremental %}
            UNION ALL
            SELECT event_id, session_id, ts FROM parsed_before
{%- endif %}
        )
        GROUP BY session_id
    ),
    visits AS (
        SELECT call.2 AS event_id, fromUnixTimestamp64Milli(call.1, 'UTC') AS ts,
            fromUnixTimestamp64Milli(start_ms, 'UTC') AS visit_start,
            toUInt32(position - first_position + 1) AS call_seq
        FROM timelines
        ARRAY JOIN timeline AS call, visit_starts AS start_ms, arrayEnumerate(times) AS position,
            visit_first_positions AS first_position
{%- if not incremental %}
        WHERE visit_start >= {day_start:DateTime64(3, 'UTC')} AND visit_start < {day_end:DateTime64(3, 'UTC')}
{%- endif %}
    )
{%- if incremental %},
    -- The new calls (each of them is in an affected visit) once per copy (event_id, ts), parsed,
    -- then with the other calls of their visits, cut into visits once. Only the events delivered
    -- more than once in this run go through LIMIT BY: it runs on one thread, and so does all that
    -- feeds it in its stream, the parse included. The rest are parsed on both cores (this insert
    -- took 1.5 s instead of 1.8-2.1 s in an hourly run of 773,000 calls).
    repeated AS (
        SELECT event_id FROM calls GROUP BY event_id HAVING count() > 1
    ),
    new_parsed AS (
        SELECT *, {{ parse_inputs }}
        FROM (
            SELECT * FROM calls WHERE event_id NOT IN (SELECT event_id FROM repeated)
            UNION ALL
            SELECT * FROM (SELECT * FROM calls WHERE event_id IN (SELECT event_id FROM repeated))
            LIMIT 1 BY event_id, ts
        )
    ),
    all_calls AS (
        SELECT session_id, ts, {{ parsed_columns }}
        FROM new_parsed
        UNION ALL
        SELECT * EXCEPT (date, visit_id, seq, start_ts, version)
        FROM parsed_before
    )
SELECT
    toDate(v.visit_start, {timezone:String}) AS date,
    sipHash64(c.session_id, toUnixTimestamp64Milli(v.visit_start)) AS visit_id,
    c.session_id AS session_id,
    v.call_seq AS seq,
    c.ts AS ts,
    v.visit_start AS start_ts,
    c.* EXCEPT (session_id, ts),
    {version:UInt64} AS version
FROM all_calls AS c
INNER JOIN visits AS v ON v.event_id = c.event_id AND v.ts = c.ts
{%- else %},
    -- Parsed after the join: only the calls of visits that start on the day.
    parsed AS (
        SELECT c.event_id AS event_id, c.ts AS ts, session_id, user_id, user_agent, client_hints, ip,
            method, endpoint, status,
            request, response, referer, page_referrer, rule, v.visit_start AS visit_start,
            v.call_seq AS seq,
            {{ parse_inputs }}
        FROM calls AS c
        INNER JOIN visits AS v ON v.event_id = c.event_id AND v.ts = c.ts
    )
SELECT
    toDate(visit_start, {timezone:String}) AS date,
    sipHash64(session_id, toUnixTimestamp64Milli(visit_start)) AS visit_id,
    session_id,
    seq,
    ts,
    visit_start AS start_ts,
    {{ parsed_columns }},
    {version:UInt64} AS version
FROM parsed
{%- endif %}
-- The join by event_id builds its hash table on both cores (ClickHouse's default chose a slower
-- plan: 7.5 s against 4.9 s for this join on a 10M-call day).
SETTINGS join_algorithm = 'parallel_hash', {{ insert_settings }}
