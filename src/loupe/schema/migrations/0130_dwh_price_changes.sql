-- dwh.price_changes: demand around each price change of an item (grain: change x day offset,
-- -14..14, one row per offset whose business day is built; time column: changed_at, the
-- snapshot that first saw the new price). Recomputed whole by every day build (a `whole` day
-- job: jobs/sql/price_changes.sql), so no PARTITION BY: the day's publish replaces the one
-- partition (REPLACE PARTITION tuple() from the etl twin, atomic for readers).
-- ORDER BY (item_id, changed_at, day_offset): a change's days sit together, in order, and an
-- item's changes are read by key.
-- etl.price_changes is its staging twin, etl.previous_price_changes the publish's undo copy.
CREATE TABLE IF NOT EXISTS {{ ddl.table("dwh.price_changes") }} {{ ddl.on_cluster }}
(
    item_id Int64,
    changed_at DateTime64(3, 'UTC'),
    old_price Int64,
    new_price Int64,
    day_offset Int8,
    views UInt64,
    cart_adds UInt64,
    purchased_qty UInt64
)
ENGINE = {{ ddl.engine("dwh.price_changes") }}
ORDER BY (item_id, changed_at, day_offset)
{{ ddl.settings() }};

CREATE TABLE IF NOT EXISTS etl.price_changes {{ ddl.on_cluster }} AS {{ ddl.table("dwh.price_changes") }}
ENGINE = MergeTree ORDER BY (item_id, changed_at, day_offset);

CREATE TABLE IF NOT EXISTS etl.previous_price_changes {{ ddl.on_cluster }} AS etl.price_changes;
