-- job: after=visit_calls per_visit
-- etl.cart_events for one business day: every change the shop's API made to a cart in the day's
-- visits (successful calls only). Grain: a cart add (`add`: `qty` asked, `line_qty` and `price`
-- the line's after the add, from the response), a removal (`remove`), an order's line (`order`:
-- its `qty` and `price`; the order takes the line out of the cart), and a login or registration
-- (`merge`: the guest cart `s:<session_id>` moves into `cart_key`, the customer's). Time column:
-- ts; `date` is the visit's day. `cart_key` is the shop's: `u:<user_id>` for a logged-in
-- customer, `s:<session_id>` for a guest; `user_id` is the cart's customer (0 for a guest's).
-- Bots' visits are kept: a cart is a cart, whoever fills it. An hourly run writes the rows of the
-- visits it rebuilds (etl.touched_calls) and keeps the day's others (per_visit).
INSERT INTO etl.cart_events
SELECT * FROM (
    SELECT date, visit_id, session_id,
        if(event_type IN ('login', 'register'), account_id, user_id) AS user_id,
        event_id, ts,
        multiIf(event_type IN ('login', 'register'), concat('u:', toString(account_id)),
                user_id > 0, concat('u:', toString(user_id)),
                concat('s:', session_id)) AS cart_key,
        multiIf(event_type = 'cart_add', 'add', event_type = 'cart_remove', 'remove', 'merge') AS event,
        product_id,
        qty,
        cart_qty AS line_qty,
        cart_price AS price
    FROM etl.{calls:Identifier}
    WHERE date = {day:Date} AND is_ok
      AND (event_type IN ('cart_add', 'cart_remove')
           OR (event_type IN ('login', 'register') AND account_id > 0))
    UNION ALL
    SELECT date, visit_id, session_id, user_id, event_id, ts,
        if(user_id > 0, concat('u:', toString(user_id)), concat('s:', session_id)) AS cart_key,
        'order' AS event,
        line.product_id AS product_id,
        line.qty AS qty,
        toUInt32(0) AS line_qty,
        line.price AS price
    FROM etl.{calls:Identifier}
    ARRAY JOIN order_items AS line
    WHERE date = {day:Date} AND is_ok AND event_type = 'order'
)
SETTINGS {{ insert_settings }}
