-- The versions one snapshot run adds to an entity's history (grain: key x run), written to
-- etl.snapshot_<entity>_changes: a new key (version 1), a changed row (the hash of its tracked
-- columns differs from the latest version's) and a key back after a deletion; on a full run
-- (every source row staged) also a deletion row (is_deleted = 1, the last values kept) for each
-- key whose latest version is live but which the source no longer has. Unchanged rows give
-- nothing. `current` reads only the staged keys' versions (ORDER BY key, version: index ranges).
INSERT INTO {{ entity.changes_table }}
    ({{ entity.columns | join(", ") }}, valid_from, version, row_hash, is_deleted, snapshot_id)
WITH current AS (
    SELECT {{ key }}, version, row_hash, is_deleted
    FROM {{ entity.versions_table }}
    WHERE ({{ key }}) IN (SELECT {{ key }} FROM {{ entity.staging_table }})
    ORDER BY {{ key }}, version DESC
    LIMIT 1 BY {{ key }}
)
SELECT {{ entity.columns | join(", ") }}, {valid_from:DateTime64(3, 'UTC')},
    c.version + 1, s.new_hash, 0, {snapshot_id:UInt64}
FROM (
    SELECT {{ entity.columns | join(", ") }},
        cityHash64(tuple({{ entity.tracked | join(", ") }})) AS new_hash
    FROM {{ entity.staging_table }}
) AS s
LEFT JOIN current AS c USING ({{ key }})
WHERE c.version = 0 OR c.is_deleted = 1 OR c.row_hash != s.new_hash
{%- if full %}
UNION ALL
SELECT {{ entity.columns | join(", ") }}, {valid_from:DateTime64(3, 'UTC')},
    version + 1, row_hash, 1, {snapshot_id:UInt64}
FROM (
    SELECT *
    FROM {{ entity.versions_table }}
    WHERE ({{ key }}) NOT IN (SELECT {{ key }} FROM {{ entity.staging_table }})
    ORDER BY {{ key }}, version DESC
    LIMIT 1 BY {{ key }}
)
WHERE is_deleted = 0
{%- endif %}
