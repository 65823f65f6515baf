-- Add keys to the erasure list (grain: erased key): parallel arrays of kinds and keyed hashes.
INSERT INTO privacy.erased_keys (kind, key_hash, erasure_id, erased_at)
SELECT kind, key_hash, {erasure_id:UUID}, {erased_at:DateTime64(3, 'UTC')}
FROM (
    SELECT arrayJoin(arrayZip({kinds:Array(String)}, {hashes:Array(String)})) AS entry,
           entry.1 AS kind, entry.2 AS key_hash
)
