-- The versions of an entity whose validity ended before {before} (history/retention.py; grain:
-- key x version). A version's validity ends where the key's next version begins (valid_from), so
-- among a key's versions that began before {before}, every one but the latest of them ended
-- before it: those are the versions selected. The latest version of a key (open, or a deletion)
-- is never selected, nor any version still valid at {before}, so an as-of reading at {before} or
-- later is the same without them. Reads only versions older than {before}, in key order.
{%- set key = entity.key | join(", ") %}
{%- set older = "FROM " ~ entity.versions_table ~ " WHERE valid_from < {before:DateTime64(3, 'UTC')}" %}
{%- if delete %}
DELETE FROM {{ entity.versions_table }}
WHERE valid_from < {before:DateTime64(3, 'UTC')}
  AND ({{ key }}, version) NOT IN (SELECT {{ key }}, max(version) {{ older }} GROUP BY {{ key }})
{%- else %}
SELECT count() {{ older }}
  AND ({{ key }}, version) NOT IN (SELECT {{ key }}, max(version) {{ older }} GROUP BY {{ key }})
{%- endif %}
