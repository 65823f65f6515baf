-- The session's current database and timezone: the guard checks a statement against the first,
-- the response names the second (X-ClickHouse-Timezone).
SELECT currentDatabase(), timezone()
