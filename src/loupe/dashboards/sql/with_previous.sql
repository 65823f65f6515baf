-- A card's query over the chosen range and over the previous period, in one statement (grain:
-- the card's rows, each tagged `loupe_period` 0 for the range, 1 for the period before it). Both
-- queries are rendered card SQL with their own parameter names. No ORDER BY: the rows are split
-- by period afterwards, and a trend's rows sorted by date there.
SELECT 0 AS loupe_period, * FROM (
{{ current }}
)
UNION ALL
SELECT 1 AS loupe_period, * FROM (
{{ previous }}
)
