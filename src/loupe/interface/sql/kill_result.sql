-- What KILL QUERY answers for a query the interface cancelled (interface/app.py): one row per
-- query, with the client's query id, as a server answers it.
SELECT {status:String} AS kill_status, {query_id:String} AS query_id, {user:String} AS user,
    {query:String} AS query
WHERE {found:UInt8}
