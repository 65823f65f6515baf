-- An hourly run rebuilds only the visits its calls can change (etl.affected_visits): their rows
-- leave the day's partition of etl.{table} (a lightweight DELETE) before the rebuilt ones are
-- added. That partition of a per-visit job is first cloned from dwh (hard links, no copy; see
-- run.py), so the swap replaces the whole day.
DELETE FROM etl.{table:Identifier}
WHERE date = {day:Date} AND visit_id IN (SELECT visit_id FROM etl.affected_visits)
