-- Where a day's publish keeps the weekly cohort tables it replaces (publish.py), so a failed or
-- interrupted publish puts them back with the day's partitions: the cohorts are `whole` day jobs.
CREATE TABLE IF NOT EXISTS etl.previous_retention_weekly {{ ddl.on_cluster }}
AS {{ ddl.table("dwh.retention_weekly") }}
ENGINE = MergeTree ORDER BY (cohort_week, week_offset);

CREATE TABLE IF NOT EXISTS etl.previous_repeat_purchase_weekly {{ ddl.on_cluster }}
AS {{ ddl.table("dwh.repeat_purchase_weekly") }}
ENGINE = MergeTree ORDER BY (cohort_week, week_offset);
