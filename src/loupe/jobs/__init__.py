"""ETL: the day jobs (SQL files), the shop-API map, day builds and the hourly run."""
