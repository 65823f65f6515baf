-- etl.affected_visits gets each visit's user_id: the keys of the affected visits' users are the
-- ones whose days in etl.visitors an hourly run may change (jobs/queries/update_visitors.sql).
ALTER TABLE etl.affected_visits {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS user_id UInt64;
