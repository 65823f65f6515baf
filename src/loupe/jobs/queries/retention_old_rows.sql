-- The rows of a dated table not partitioned by day whose time column is before the oldest day
-- kept (retention.py): a business day (`date`) or the UTC instant at which that day starts.
SELECT count() FROM {table_db:Identifier}.{table:Identifier}
WHERE {column:Identifier} < {% if instant %}{before:DateTime64(3, 'UTC')}{% else %}{before:Date}{% endif %}
