-- After an incremental read: how many source keys are neither staged nor live in history (a key
-- inserted, or back after a deletion, with a `changed_since` value older than the read started
-- from). Any such key makes the run read every row instead (grain: key).
SELECT count()
FROM {{ entity.keys_table }}
WHERE ({{ key }}) NOT IN (SELECT {{ key }} FROM {{ entity.staging_table }})
    AND ({{ key }}) NOT IN (
        SELECT {{ key }}
        FROM (
            SELECT {{ key }}, is_deleted
            FROM {{ entity.versions_table }}
            ORDER BY {{ key }}, version DESC
            LIMIT 1 BY {{ key }}
        )
        WHERE is_deleted = 0
    )
