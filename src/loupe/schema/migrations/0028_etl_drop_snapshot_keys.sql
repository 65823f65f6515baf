-- The key-only staging tables of 0020-0023 are not used: an incremental snapshot no longer reads
-- every key (deletions are found by full runs, see docs/history.md).
DROP TABLE IF EXISTS etl.snapshot_items_keys {{ ddl.on_cluster }};
DROP TABLE IF EXISTS etl.snapshot_stock_keys {{ ddl.on_cluster }};
DROP TABLE IF EXISTS etl.snapshot_cart_keys {{ ddl.on_cluster }};
DROP TABLE IF EXISTS etl.snapshot_favorites_keys {{ ddl.on_cluster }};
