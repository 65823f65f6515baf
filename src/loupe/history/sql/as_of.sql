-- An entity's rows live at instant {at} (history/asof.py), through the parameterized view of its
-- migration. A parameterized view's name cannot be a query parameter (docs/schema.md): the
-- entity and its key columns are rendered.
SELECT * FROM history.{{ entity | identifier }}_as_of(at = {at:DateTime64(3, 'UTC')})
ORDER BY {{ key | map("identifier") | join(", ") }}
