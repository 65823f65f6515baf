-- The sessions a table ties to the given users (grain: session id): a user's visits before they
-- logged in, and their guest carts, belong to them too.
SELECT DISTINCT session_id FROM {table_db:Identifier}.{table:Identifier}
WHERE has({users:Array(Int64)}, toInt64(assumeNotNull(user_id))) AND session_id != ''
