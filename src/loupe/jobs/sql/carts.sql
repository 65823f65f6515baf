-- job: after=sessions,cart_lines whole rollup
-- etl.carts, whole: the cart episodes, from the lives of the cart lines (etl.cart_lines, staged
-- whole by this build from every cart event kept). Grain: cart episode, from the line that goes
-- into an empty cart until the cart is empty again; time column: episode_start. ORDER BY
-- (cart_key, episode_start) in dwh.carts: a cart's episodes in time order.
-- As of (`as_of`): the end of the newest business day with calls among the built days: the day
-- of the latest visit end in dwh.sessions (with this day's etl.sessions). A built day without
-- visits moves nothing, so building it alone or within a range gives the same rows.
-- Every cart event of a built day is older (a call belongs to a visit that ends after it), so
-- the table is a function of the published days: a rebuild of an older day, an hourly run and a
-- full rebuild give the same rows.
-- An episode is a run of overlapping line lives of one cart. One of a guest cart that moved into
-- the customer's cart at login goes on there: the customer's episode open at that moment takes
-- it up and starts at the earlier of the two starts (the guest's episode is no row of its own).
-- Status: `ordered` when an order took the last lines (ordered_at: the order call's time),
-- `emptied` when a removal did; otherwise `abandoned` once the cart has not changed for
-- {cart_abandoned_after_hours} hours at `as_of` (last_changed_at + that <= as_of), else `open`.
-- lines, units and value (sum of qty x the line's price, the price it got when first added)
-- describe the cart as it last held lines: at `as_of` while it holds them, else just before it
-- became empty. lines_out_of_stock: lines of a cart still holding them whose item's stock, as
-- history.stock last saw it before `as_of`, is below the line's quantity (items history never saw
-- do not count: a warehouse without the production database counts none). days_to_order:
-- business days from episode_start to ordered_at. visits_before_order: the people's visits
-- (dwh.sessions) of the cart's customer, or of the sessions whose guest carts it took up (for a
-- guest cart, its session), that overlap the episode up to the order, the ordering visit
-- included (1: ordered in the visit that started the cart).
INSERT INTO etl.carts
WITH
    toDateTime64('2299-12-31 00:00:00', 3, 'UTC') AS open_end,
    (
        SELECT toDate(max(end_ts), {timezone:String})
        FROM (
            SELECT end_ts FROM dwh.sessions
            WHERE date != {day:Date} AND date >= (SELECT max(date) FROM dwh.sessions) - 1
            UNION ALL
            SELECT end_ts FROM etl.sessions WHERE date = {day:Date}
        )
    ) AS as_of_day,
    toTimeZone(toDateTime64(as_of_day + 1, 3, {timezone:String}), 'UTC') AS as_of,
    stock AS (
        SELECT item_id, argMax(quantity, version) AS quantity
        FROM history.stock_versions
        WHERE valid_from < as_of
        GROUP BY item_id
        HAVING NOT argMax(is_deleted, version)
    ),
    -- Each cart's line lives in order of their start; a life that starts once every earlier one
    -- has ended starts an episode; the episode's end is its lives' last end.
    numbered AS (
        SELECT *, max(to_ts) OVER (PARTITION BY cart_key, episode) AS episode_end
        FROM (
            SELECT *, sum(starts) OVER (PARTITION BY cart_key ORDER BY from_ts, product_id
                    ROWS UNBOUNDED PRECEDING) AS episode
            FROM (
                SELECT l.*, s.item_id != 0 AND s.quantity < l.qty AS out_of_stock,
                    from_ts >= max(to_ts) OVER (PARTITION BY cart_key ORDER BY from_ts, product_id
                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS starts
                FROM etl.cart_lines AS l
                LEFT JOIN stock AS s ON s.item_id = toInt64(l.product_id)
            )
        )
    ),
    -- An episode's lines are those that left with its end (still in the cart, if it is open).
    episodes AS (
        SELECT cart_key, episode,
            min(from_ts) AS start_ts,
            any(episode_end) AS end_ts,
            max(last_ts) AS last_changed_at,
            countIf(to_ts = episode_end AND reason = 'order') > 0 AS by_order,
            countIf(to_ts = episode_end AND reason = 'merge') > 0 AS merged,
            anyIf(target, to_ts = episode_end AND reason = 'merge') AS target,
            toUInt32(countIf(to_ts = episode_end)) AS lines,
            toUInt32(sumIf(qty, to_ts = episode_end)) AS units,
            sumIf(qty * price, to_ts = episode_end) AS value,
            toUInt32(countIf(to_ts = open_end AND out_of_stock)) AS lines_out_of_stock
        FROM numbered
        GROUP BY cart_key, episode
    ),
    carts AS (
        SELECT e.cart_key AS cart_key,
            if(empty(t.guest_sessions), e.start_ts, least(e.start_ts, t.guest_start)) AS episode_start,
            if(startsWith(e.cart_key, 'u:'), toUInt64OrZero(substring(e.cart_key, 3)), 0) AS user_id,
            e.last_changed_at AS last_changed_at, e.lines AS lines, e.units AS units,
            e.value AS value,
            multiIf(e.end_ts != open_end AND e.by_order, 'ordered',
                    e.end_ts != open_end, 'emptied',
                    e.last_changed_at + toIntervalHour({cart_abandoned_after_hours:UInt32}) <= as_of,
                    'abandoned',
                    'open') AS status,
            if(status = 'ordered', e.end_ts, NULL) AS ordered_at,
            e.lines_out_of_stock AS lines_out_of_stock,
            -- Whose visits count (`u:<user_id>`, `s:<session_id>`): the customer's, and those of
            -- the sessions whose guest carts it is.
            arrayConcat(if(user_id > 0, [e.cart_key], []),
                        if(startsWith(e.cart_key, 's:'), [e.cart_key], []),
                        t.guest_keys) AS owners
        FROM episodes AS e
        LEFT JOIN (
            -- The customer's episode open when a guest cart moved in takes the guest's up.
            SELECT c.cart_key AS cart_key, c.episode AS episode, min(g.start_ts) AS guest_start,
                groupArray(g.cart_key) AS guest_keys, groupArray(substring(g.cart_key, 3)) AS guest_sessions
            FROM episodes AS c
            INNER JOIN (SELECT * FROM episodes WHERE merged) AS g ON g.target = c.cart_key
            WHERE c.start_ts <= g.end_ts AND g.end_ts < c.end_ts
            GROUP BY c.cart_key, c.episode
        ) AS t ON t.cart_key = e.cart_key AND t.episode = e.episode
        WHERE NOT e.merged
    ),
    visits_to_order AS (
        SELECT o.cart_key AS cart_key, o.episode_start AS episode_start,
            uniqExact(v.visit_id) AS visits
        FROM (
            SELECT visit_id, start_ts, end_ts,
                arrayJoin(arrayConcat(if(user_id > 0, [concat('u:', toString(user_id))], []),
                                      [concat('s:', session_id)])) AS owner
            FROM (
                SELECT visit_id, session_id, user_id, start_ts, end_ts, is_bot
                FROM dwh.sessions WHERE date != {day:Date}
                UNION ALL
                SELECT visit_id, session_id, user_id, start_ts, end_ts, is_bot
                FROM etl.sessions WHERE date = {day:Date}
            )
            WHERE NOT is_bot
        ) AS v
        INNER JOIN (
            SELECT cart_key, episode_start, assumeNotNull(ordered_at) AS ordered_at,
                arrayJoin(owners) AS owner
            FROM carts WHERE status = 'ordered'
        ) AS o ON o.owner = v.owner
        WHERE v.start_ts <= o.ordered_at AND v.end_ts >= o.episode_start
        GROUP BY o.cart_key, o.episode_start
    )
SELECT c.cart_key AS cart_key, c.episode_start AS episode_start, c.user_id AS user_id,
    c.last_changed_at AS last_changed_at, c.lines AS lines, c.units AS units, c.value AS value,
    c.status AS status, c.ordered_at AS ordered_at,
    if(c.status = 'ordered',
       toInt32(toDate(assumeNotNull(c.ordered_at), {timezone:String})
               - toDate(c.episode_start, {timezone:String})),
       NULL) AS days_to_order,
    if(c.status = 'ordered', toUInt32(v.visits), NULL) AS visits_before_order,
    c.lines_out_of_stock AS lines_out_of_stock,
    as_of
FROM carts AS c
LEFT JOIN visits_to_order AS v ON v.cart_key = c.cart_key AND v.episode_start = c.episode_start
SETTINGS join_use_nulls = 0
