-- The versions of an entity that appeared in ({since}, {until}] (history/asof.py), oldest first,
-- through the parameterized view of its migration (its name is rendered: docs/schema.md).
SELECT * FROM history.{{ entity | identifier }}_changes(
    since = {since:DateTime64(3, 'UTC')}, until = {until:DateTime64(3, 'UTC')})
ORDER BY valid_from, {{ key | map("identifier") | join(", ") }}
