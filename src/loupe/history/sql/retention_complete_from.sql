-- From when an entity's history still answers an as-of reading exactly (history/retention.py;
-- grain: entity): each key's oldest kept version; where retention deleted the versions before it
-- (it is not version 1), the reading is exact only from its valid_from on. The latest such
-- instant, else the first snapshot's; NULL for an empty history. Reads the keys in order.
{%- set key = entity.key | join(", ") %}
SELECT if(count() = 0, NULL, if(countIf(first_version > 1) > 0,
    maxIf(first_from, first_version > 1), min(first_from)))
FROM (
    SELECT min(version) AS first_version, argMin(valid_from, version) AS first_from
    FROM {{ entity.versions_table }}
    GROUP BY {{ key }}
)
