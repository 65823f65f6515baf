-- The tables a production database holds, one statement per kind of database (`-- name:`): the
-- simulator refuses to write into one that has any unless told to replace them.

-- name: sqlite
SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name;

-- name: mysql
SHOW TABLES;
