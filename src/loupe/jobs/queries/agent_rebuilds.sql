-- The days a re-classification asked to rebuild that no build has cleared yet, oldest first.
SELECT DISTINCT date AS day FROM etl.agent_rebuilds ORDER BY day
