-- The erasure list (privacy.erased_keys, grain: erased key): the keyed hash of each erased user
-- id, session id and email hash, by kind. Small: read whole by the writers and snapshots.
SELECT DISTINCT kind, key_hash FROM privacy.erased_keys
