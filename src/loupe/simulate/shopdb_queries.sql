-- Statements the simulator writes the production database with, one per `-- name:` block.
-- Placeholders are `?`; for MariaDB/MySQL (pymysql) they become `%s`. REPLACE works in both.

-- name: replace_user
REPLACE INTO users (id, email, created_at, last_login_at) VALUES (?, ?, ?, ?);

-- name: replace_item
REPLACE INTO items (id, sku, section, material, metal, stone, motif, price, old_price, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: replace_stock
REPLACE INTO stock (item_id, quantity, updated_at) VALUES (?, ?, ?);

-- name: delete_cart_line
DELETE FROM cart WHERE cart_key = ? AND item_id = ?;

-- name: insert_cart_line
INSERT INTO cart (cart_key, item_id, user_id, session_id, qty, price, added_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?);

-- name: delete_favorite
DELETE FROM favorites WHERE user_id = ? AND item_id = ?;

-- name: insert_favorite
INSERT INTO favorites (user_id, item_id, added_at) VALUES (?, ?, ?);

-- name: insert_order
INSERT INTO orders (id, user_id, session_id, created_at, status, subtotal, discount, total, promo)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: insert_order_item
INSERT INTO order_items (order_id, item_id, qty, price) VALUES (?, ?, ?, ?);
