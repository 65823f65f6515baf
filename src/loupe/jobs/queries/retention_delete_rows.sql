-- Deletes those rows (lightweight DELETE: masked at once, removed by the next merges); these
-- tables are small (rejected records, reconciliation runs, the order copies).
DELETE FROM {table_db:Identifier}.{table:Identifier}
WHERE {column:Identifier} < {% if instant %}{before:DateTime64(3, 'UTC')}{% else %}{before:Date}{% endif %}
