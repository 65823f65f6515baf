-- An hourly run rebuilds only the visits its calls can change (etl.affected_visits): their rows
-- leave the day's partition of etl.{table} (a lightweight DELETE) before the rebuilt ones are
-- added. For a per-visit job that partition is first cloned from dwh (hard links, no copy; see
-- run.py), so the swap replaces the whole day; for etl.visit_calls this keeps every built call
-- parsed for the next run.
DELETE FROM etl.{table:Identifier}
WHERE date = {day:Date} AND visit_id IN (SELECT visit_id FROM etl.affected_visits)
