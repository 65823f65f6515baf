-- Record one erasure (grain: erasure): no personal data, only the keyed hash of the value named.
INSERT INTO privacy.erasures
    (erasure_id, requested_at, finished_at, kind, key_hash, erased_keys, rows_removed,
     spooled_removed, rebuilt_days)
VALUES
    ({erasure_id:UUID}, {requested_at:DateTime64(3, 'UTC')}, {finished_at:DateTime64(3, 'UTC')},
     {kind:String}, {key_hash:String}, {erased_keys:UInt32},
     mapFromArrays({tables:Array(String)}, {rows:Array(UInt64)}), {spooled:UInt64},
     {days:Array(Date)})
