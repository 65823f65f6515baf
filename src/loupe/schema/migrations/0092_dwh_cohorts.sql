-- Weekly cohorts, recomputed whole from dwh.sessions by each day build (`whole` day jobs).
-- dwh.retention_weekly (grain: first-visit week x weeks since; time column: cohort_week, the
-- Monday of the business week) and dwh.repeat_purchase_weekly (grain: first-order week x weeks
-- since). One partition each: the recomputed table replaces it whole (REPLACE PARTITION tuple()
-- from the etl twin, atomic for readers). ORDER BY (cohort_week, week_offset): a triangle is read
-- in that order.
CREATE TABLE IF NOT EXISTS {{ ddl.table("dwh.retention_weekly") }} {{ ddl.on_cluster }}
(
    cohort_week Date,
    week_offset UInt16,
    visitors UInt64,
    returning_visitors UInt64,
    buyers UInt64,
    orders UInt64,
    revenue Float64
)
ENGINE = {{ ddl.engine("dwh.retention_weekly") }}
ORDER BY (cohort_week, week_offset)
{{ ddl.settings() }};

CREATE TABLE IF NOT EXISTS etl.retention_weekly {{ ddl.on_cluster }} AS {{ ddl.table("dwh.retention_weekly") }}
ENGINE = MergeTree ORDER BY (cohort_week, week_offset);

CREATE TABLE IF NOT EXISTS {{ ddl.table("dwh.repeat_purchase_weekly") }} {{ ddl.on_cluster }}
(
    cohort_week Date,
    week_offset UInt16,
    buyers UInt64,
    repeat_buyers UInt64,
    orders UInt64,
    revenue Float64
)
ENGINE = {{ ddl.engine("dwh.repeat_purchase_weekly") }}
ORDER BY (cohort_week, week_offset)
{{ ddl.settings() }};

CREATE TABLE IF NOT EXISTS etl.repeat_purchase_weekly {{ ddl.on_cluster }} AS {{ ddl.table("dwh.repeat_purchase_weekly") }}
ENGINE = MergeTree ORDER BY (cohort_week, week_offset);
