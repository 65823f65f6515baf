-- Copy the key columns of every source row (grain: source row), to see deleted keys when only
-- changed rows were staged in full.
INSERT INTO {{ entity.keys_table }} ({{ entity.key | join(", ") }})
SELECT {{ entity.key | join(", ") }}
FROM {{ entity.source_table }}
