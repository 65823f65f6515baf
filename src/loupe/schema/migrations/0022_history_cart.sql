-- history.cart_versions: versions of the production `cart` rows (grain: cart line version; time
-- column: valid_from, the snapshot that saw the version first). Append-only: a snapshot inserts
-- only new, changed, deleted (is_deleted = 1) and re-inserted rows; `valid_to` is derived by the
-- history.cart view (the next version's valid_from, or 2299-12-31 for the open version). ORDER BY
-- (cart_key, item_id, version): a key's versions sit together, so "latest version per key" and
-- "versions of these keys" read in order. PARTITION BY month of valid_from: one run's rows land in
-- one partition, attached atomically from etl.snapshot_cart_changes.
CREATE TABLE IF NOT EXISTS {{ ddl.table("history.cart_versions") }} {{ ddl.on_cluster }}
(
    cart_key String,
    item_id Int64,
    user_id Nullable(Int64),
    session_id String,
    qty Int32,
    price Int64,
    added_at DateTime64(3, 'UTC'),
    updated_at DateTime64(3, 'UTC'),
    valid_from DateTime64(3, 'UTC'),
    version UInt32,
    row_hash UInt64,
    is_deleted UInt8,
    snapshot_id UInt64
)
ENGINE = {{ ddl.engine("history.cart_versions") }}
PARTITION BY toYYYYMM(valid_from)
ORDER BY (cart_key, item_id, version)
{{ ddl.settings() }};

{{ ddl.distributed("history.cart_versions", "cityHash64(cart_key, item_id)") }};

-- Staging: the source rows read once per run (etl.snapshot_cart), the source keys when only
-- changed rows are read (etl.snapshot_cart_keys), and the run's new versions
-- (etl.snapshot_cart_changes, attached to history.cart_versions in one step).
CREATE TABLE IF NOT EXISTS etl.snapshot_cart {{ ddl.on_cluster }}
AS {{ ddl.table("history.cart_versions") }}
ENGINE = MergeTree PARTITION BY tuple() ORDER BY (cart_key, item_id);

CREATE TABLE IF NOT EXISTS etl.snapshot_cart_keys {{ ddl.on_cluster }}
(cart_key String, item_id Int64)
ENGINE = MergeTree ORDER BY (cart_key, item_id);

CREATE TABLE IF NOT EXISTS etl.snapshot_cart_changes {{ ddl.on_cluster }}
AS {{ ddl.table("history.cart_versions") }}
ENGINE = MergeTree PARTITION BY toYYYYMM(valid_from) ORDER BY (cart_key, item_id, version);

-- history.cart: every version with valid_to and the kind of change (insert, update, delete,
-- reinsert). Open versions have valid_to = 2299-12-31 00:00:00.000 UTC.
CREATE VIEW IF NOT EXISTS history.cart {{ ddl.on_cluster }} AS
SELECT
    *,
    ifNull(
        anyOrNull(valid_from) OVER (
            PARTITION BY cart_key, item_id
            ORDER BY version ROWS BETWEEN 1 FOLLOWING AND 1 FOLLOWING),
        toDateTime64('2299-12-31 00:00:00', 3, 'UTC')) AS valid_to,
    multiIf(
        is_deleted, 'delete',
        version = 1, 'insert',
        anyOrNull(is_deleted) OVER (
            PARTITION BY cart_key, item_id
            ORDER BY version ROWS BETWEEN 1 PRECEDING AND 1 PRECEDING) = 1,
        'reinsert',
        'update') AS change
FROM history.cart_versions;

-- history.cart_as_of(at = ...): the live rows at instant `at` (latest version per key seen by
-- then, unless it is a deletion).
CREATE VIEW IF NOT EXISTS history.cart_as_of {{ ddl.on_cluster }} AS
SELECT * EXCEPT (is_deleted)
FROM (
    SELECT *
    FROM history.cart_versions
    WHERE valid_from <= {at:DateTime64(3, 'UTC')}
    ORDER BY cart_key, item_id, version DESC
    LIMIT 1 BY cart_key, item_id
)
WHERE NOT is_deleted;

-- history.cart_changes(since = ..., until = ...): the versions that appeared in (since, until].
CREATE VIEW IF NOT EXISTS history.cart_changes {{ ddl.on_cluster }} AS
SELECT *
FROM history.cart
WHERE valid_from > {since:DateTime64(3, 'UTC')} AND valid_from <= {until:DateTime64(3, 'UTC')};
