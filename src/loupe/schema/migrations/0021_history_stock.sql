-- history.stock_versions: versions of the production `stock` rows (grain: stock level version; time
-- column: valid_from, the snapshot that saw the version first). Append-only: a snapshot inserts
-- only new, changed, deleted (is_deleted = 1) and re-inserted rows; `valid_to` is derived by the
-- history.stock view (the next version's valid_from, or 2299-12-31 for the open version).
-- ORDER BY (item_id, version): a key's versions sit together, so "latest version per key" and
-- "versions of these keys" read in order. PARTITION BY month of valid_from: one run's rows land
-- in one partition, attached atomically from etl.snapshot_stock_changes.
CREATE TABLE IF NOT EXISTS {{ ddl.table("history.stock_versions") }} {{ ddl.on_cluster }}
(
    item_id Int64,
    quantity Int64,
    updated_at DateTime64(3, 'UTC'),
    valid_from DateTime64(3, 'UTC'),
    version UInt32,
    row_hash UInt64,
    is_deleted UInt8,
    snapshot_id UInt64
)
ENGINE = {{ ddl.engine("history.stock_versions") }}
PARTITION BY toYYYYMM(valid_from)
ORDER BY (item_id, version)
{{ ddl.settings() }};

{{ ddl.distributed("history.stock_versions", "cityHash64(item_id)") }};

-- Staging: the source rows read once per run (etl.snapshot_stock), the source keys when only
-- changed rows are read (etl.snapshot_stock_keys), and the run's new versions
-- (etl.snapshot_stock_changes, attached to history.stock_versions in one step).
CREATE TABLE IF NOT EXISTS etl.snapshot_stock {{ ddl.on_cluster }}
AS {{ ddl.table("history.stock_versions") }}
ENGINE = MergeTree PARTITION BY tuple() ORDER BY item_id;

CREATE TABLE IF NOT EXISTS etl.snapshot_stock_keys {{ ddl.on_cluster }} (item_id Int64)
ENGINE = MergeTree ORDER BY item_id;

CREATE TABLE IF NOT EXISTS etl.snapshot_stock_changes {{ ddl.on_cluster }}
AS {{ ddl.table("history.stock_versions") }}
ENGINE = MergeTree PARTITION BY toYYYYMM(valid_from) ORDER BY (item_id, version);

-- history.stock: every version with valid_to and the kind of change (insert, update, delete,
-- reinsert). Open versions have valid_to = 2299-12-31 00:00:00.000 UTC.
CREATE VIEW IF NOT EXISTS history.stock {{ ddl.on_cluster }} AS
SELECT
    *,
    ifNull(
        anyOrNull(valid_from) OVER (
            PARTITION BY item_id ORDER BY version ROWS BETWEEN 1 FOLLOWING AND 1 FOLLOWING),
        toDateTime64('2299-12-31 00:00:00', 3, 'UTC')) AS valid_to,
    multiIf(
        is_deleted, 'delete',
        version = 1, 'insert',
        anyOrNull(is_deleted) OVER (
            PARTITION BY item_id ORDER BY version ROWS BETWEEN 1 PRECEDING AND 1 PRECEDING) = 1,
        'reinsert',
        'update') AS change
FROM history.stock_versions;

-- history.stock_as_of(at = ...): the live rows at instant `at` (latest version per key seen by
-- then, unless it is a deletion).
CREATE VIEW IF NOT EXISTS history.stock_as_of {{ ddl.on_cluster }} AS
SELECT * EXCEPT (is_deleted)
FROM (
    SELECT *
    FROM history.stock_versions
    WHERE valid_from <= {at:DateTime64(3, 'UTC')}
    ORDER BY item_id, version DESC
    LIMIT 1 BY item_id
)
WHERE NOT is_deleted;

-- history.stock_changes(since = ..., until = ...): the versions that appeared in (since, until].
CREATE VIEW IF NOT EXISTS history.stock_changes {{ ddl.on_cluster }} AS
SELECT *
FROM history.stock
WHERE valid_from > {since:DateTime64(3, 'UTC')} AND valid_from <= {until:DateTime64(3, 'UTC')};
