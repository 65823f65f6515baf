-- How many days around {day} (those whose calls an hourly run of the day may read) are built in
-- dwh.sessions but have no parsed calls kept in etl.visit_calls (for example after a migration
-- recreated it). Any such day makes the hourly run build {day} in full.
SELECT count() FROM (
    SELECT DISTINCT date FROM dwh.sessions
    WHERE date >= {day:Date} - 2 AND date <= {day:Date} + 1
    EXCEPT
    SELECT DISTINCT date FROM etl.visit_calls
    WHERE date >= {day:Date} - 2 AND date <= {day:Date} + 1
)
