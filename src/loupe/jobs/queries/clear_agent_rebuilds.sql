-- Days just built with the sessions job: they agree with the current classification.
DELETE FROM etl.agent_rebuilds WHERE date IN {days:Array(Date)}
