-- Copy an entity's source rows through the `mysql` link into its staging table, once per run
-- (grain: source row). An incremental run reads only rows whose `changed_since` column is at or
-- after `since`; the condition is pushed down to the production database (which can use an index
-- on the column). History is untouched: a source failing half-way leaves only this table partial.
INSERT INTO {{ entity.staging_table }} ({{ entity.columns | join(", ") }})
SELECT {{ entity.columns | join(", ") }}
FROM {{ entity.source_table }}
{% if not full %}WHERE {{ entity.changed_since }} >= {since:String}{% endif %}
