-- Copy an entity's source rows through the `mysql` link into its staging table, once per run
-- (grain: source row). With `since`, only rows whose `changed_since` column is at or after it;
-- the comparison is pushed down to the production database, which reads its index. The history
-- tables are untouched: a source failing half-way leaves only this staging table partial.
INSERT INTO {{ entity.staging_table }} ({{ entity.columns | join(", ") }})
SELECT {{ entity.columns | join(", ") }}
FROM {{ entity.source_table }}
{% if incremental %}WHERE {{ entity.changed_since }} >= {since:String}{% endif %}
