-- etl.routes emptied before the map's routes are written again (jobs/routes.py).
TRUNCATE TABLE etl.routes
