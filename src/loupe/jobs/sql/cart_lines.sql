-- job: after=cart_events stage whole
-- etl.cart_lines, whole (staging of dwh.carts, which reads it: a table, so that the lives are
-- computed once rather than once per reader of a CTE): the life of every cart line, from every
-- cart event kept (dwh.cart_events for the other days, this day's staging etl.cart_events).
-- Grain: a line's stay in a cart; time column: from_ts. A line lives from the add that puts it
-- in the cart (`line_qty` and `price` from the add's answer; a later add sets the quantity
-- again) until a removal, an order of it (`reason` remove, order; to_ts the call's time), or,
-- for a guest cart, the login or registration that moves it into the customer's cart (`reason`
-- merge, `target` that cart), where its quantity goes on in a life of the customer's line (a
-- new one, or added to the customer's line of that product). A line still in the cart has
-- to_ts 2299-12-31 (as history's open versions). `last_ts`: its last change; `qty`: its quantity
-- when it left (or now), `price`: the price it got when first added.
{#- The lives from the events `source` (cart_key, product_id, ts, event_id, kind, qty, price,
    reason, target): kind `set` (an add: the line's quantity after it), `plus` (a guest line
    moved in: its quantity adds up), `end` (the line leaves). Each `end` closes a life (`seg`
    counts the ends before an event); a life without a `set` or `plus` (the removal of a line
    never added) is left out. #}
{% macro lives(source) -%}
    SELECT cart_key, product_id,
        minIf(ts, kind != 'end') AS from_ts,
        if(countIf(kind = 'end') > 0, maxIf(ts, kind = 'end'), open_end) AS to_ts,
        max(ts) AS last_ts,
        anyIf(reason, kind = 'end') AS reason,
        anyIf(target, kind = 'end') AS target,
        anyIf(event_id, kind = 'end') AS end_event_id,
        toUInt32(arrayFold((acc, e) -> multiIf(e.3 = 'set', toUInt64(e.4), e.3 = 'plus', acc + e.4, acc),
                           arraySort(groupArray((ts, event_id, kind, qty))), toUInt64(0))) AS qty,
        argMinIf(price, (ts, event_id), kind != 'end') AS price
    FROM (
        SELECT *,
            sum(kind = 'end') OVER (PARTITION BY cart_key, product_id ORDER BY ts, event_id
                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS seg
        FROM {{ source }}
    )
    GROUP BY cart_key, product_id, seg
    HAVING countIf(kind != 'end') > 0
{%- endmacro %}
INSERT INTO etl.cart_lines
WITH
    toDateTime64('2299-12-31 00:00:00', 3, 'UTC') AS open_end,
    events AS (
        SELECT cart_key, session_id, event, product_id, line_qty, price, ts, event_id
        FROM dwh.cart_events WHERE date != {day:Date}
        UNION ALL
        SELECT cart_key, session_id, event, product_id, line_qty, price, ts, event_id
        FROM etl.cart_events WHERE date = {day:Date}
    ),
    -- Guest carts: their adds and removals, and a login or registration, which ends every line
    -- of the session's guest cart (the products not in it then give lives without a start).
    guest_events AS (
        SELECT cart_key, product_id, ts, event_id, if(event = 'add', 'set', 'end') AS kind,
            line_qty AS qty, price, toString(event) AS reason, '' AS target
        FROM events
        WHERE event IN ('add', 'remove', 'order') AND startsWith(cart_key, 's:')
        UNION ALL
        SELECT g.cart_key, g.product_id, m.ts, m.event_id, 'end', toUInt32(0), toFloat64(0),
            'merge', m.target
        FROM (
            SELECT concat('s:', session_id) AS guest_key, cart_key AS target, ts, event_id
            FROM events WHERE event = 'merge'
        ) AS m
        INNER JOIN (
            SELECT DISTINCT cart_key, product_id FROM events
            WHERE event = 'add' AND startsWith(cart_key, 's:')
        ) AS g ON g.cart_key = m.guest_key
    ),
    guest_lines AS ({{ lives("guest_events") }}),
    -- Customers' carts: their adds, removals and orders, and the guest lines moved in.
    customer_events AS (
        SELECT cart_key, product_id, ts, event_id, if(event = 'add', 'set', 'end') AS kind,
            line_qty AS qty, price, toString(event) AS reason, '' AS target
        FROM events
        WHERE event IN ('add', 'remove', 'order') AND NOT startsWith(cart_key, 's:')
        UNION ALL
        SELECT target, product_id, to_ts, end_event_id, 'plus', qty, price, '', ''
        FROM guest_lines WHERE reason = 'merge'
    )
SELECT cart_key, product_id, from_ts, to_ts, last_ts, reason, target, qty, price
FROM (
    SELECT * FROM guest_lines
    UNION ALL
    {{ lives("customer_events") }}
)
