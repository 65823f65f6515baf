-- The shop's production database, as the simulator writes it. Portable between SQLite and
-- MariaDB/MySQL. A run creates the tables in an empty database; told to replace (--replace), it
-- drops them first, so a rerun with the same seed gives the same contents. Money is in whole
-- currency units; times are UTC, millisecond precision.
DROP TABLE IF EXISTS order_items;
DROP TABLE IF EXISTS orders;
DROP TABLE IF EXISTS favorites;
DROP TABLE IF EXISTS cart;
DROP TABLE IF EXISTS stock;
DROP TABLE IF EXISTS items;
DROP TABLE IF EXISTS users;

CREATE TABLE users (
    id BIGINT NOT NULL PRIMARY KEY,
    email VARCHAR(190) NOT NULL,
    created_at DATETIME(3) NOT NULL,
    last_login_at DATETIME(3) NULL
);

CREATE TABLE items (
    id BIGINT NOT NULL PRIMARY KEY,
    sku VARCHAR(32) NOT NULL,
    section VARCHAR(32) NOT NULL,
    material VARCHAR(32) NOT NULL,
    metal VARCHAR(8) NULL,
    stone VARCHAR(32) NULL,
    motif VARCHAR(32) NULL,
    price BIGINT NOT NULL,
    old_price BIGINT NULL,
    updated_at DATETIME(3) NOT NULL
);

CREATE TABLE stock (
    item_id BIGINT NOT NULL PRIMARY KEY,
    quantity BIGINT NOT NULL,
    updated_at DATETIME(3) NOT NULL
);

CREATE TABLE cart (
    cart_key VARCHAR(64) NOT NULL,
    item_id BIGINT NOT NULL,
    user_id BIGINT NULL,
    session_id VARCHAR(64) NOT NULL,
    qty INT NOT NULL,
    price BIGINT NOT NULL,
    added_at DATETIME(3) NOT NULL,
    updated_at DATETIME(3) NOT NULL,
    PRIMARY KEY (cart_key, item_id)
);

CREATE TABLE favorites (
    user_id BIGINT NOT NULL,
    item_id BIGINT NOT NULL,
    added_at DATETIME(3) NOT NULL,
    PRIMARY KEY (user_id, item_id)
);

CREATE TABLE orders (
    id BIGINT NOT NULL PRIMARY KEY,
    user_id BIGINT NOT NULL,
    session_id VARCHAR(64) NOT NULL,
    created_at DATETIME(3) NOT NULL,
    status VARCHAR(16) NOT NULL,
    subtotal BIGINT NOT NULL,
    discount BIGINT NOT NULL,
    total BIGINT NOT NULL,
    promo VARCHAR(32) NULL
);

CREATE TABLE order_items (
    order_id BIGINT NOT NULL,
    item_id BIGINT NOT NULL,
    qty INT NOT NULL,
    price BIGINT NOT NULL,
    PRIMARY KEY (order_id, item_id)
);
