-- etl.previous_<job>: the day's partition of dwh.<job> that a build's swap replaces, kept (hard
-- links) until all of the day's swaps are done, so that a failed swap can put the tables already
-- swapped back (jobs/publish.py). Empty between builds. Each has its staging table's structure,
-- partitioning and order, which REPLACE PARTITION requires.
CREATE TABLE IF NOT EXISTS etl.previous_sessions {{ ddl.on_cluster }} AS etl.sessions;
CREATE TABLE IF NOT EXISTS etl.previous_catalog_sessions {{ ddl.on_cluster }} AS etl.catalog_sessions;
CREATE TABLE IF NOT EXISTS etl.previous_product_sessions {{ ddl.on_cluster }} AS etl.product_sessions;
CREATE TABLE IF NOT EXISTS etl.previous_daily_funnel {{ ddl.on_cluster }} AS etl.daily_funnel;
CREATE TABLE IF NOT EXISTS etl.previous_daily_product_stats {{ ddl.on_cluster }} AS etl.daily_product_stats;
CREATE TABLE IF NOT EXISTS etl.previous_daily_search_stats {{ ddl.on_cluster }} AS etl.daily_search_stats;
