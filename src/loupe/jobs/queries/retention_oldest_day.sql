-- The oldest business day a dated table holds (NULL when it is empty): for `loupe status`.
-- min() of a partition-key column is read from the parts' metadata, not the rows.
SELECT if(count() = 0, NULL, toDate(min({column:Identifier}), {timezone:String}))
FROM {table_db:Identifier}.{table:Identifier}
