-- Swaps a dimension copy (dwh.items, dwh.orders, dwh.order_items: history/live.py) for its
-- freshly filled etl.dim_* twin in one step. The source of REPLACE PARTITION ... FROM cannot be a
-- query parameter (docs/schema.md), so it is rendered.
ALTER TABLE {table_db:Identifier}.{table:Identifier} REPLACE PARTITION tuple()
FROM {{ source | identifier }}
