-- Ask for the given days to be rebuilt after a re-classification (etl.agent_rebuilds).
INSERT INTO etl.agent_rebuilds (date, requested_at)
SELECT arrayJoin({days:Array(Date)}), now64(3)
