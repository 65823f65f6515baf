-- etl.routes from the shop-API map: its call patterns and route templates, in the map's order
-- (grain: event rule). Emptied first (jobs/routes.py).
INSERT INTO etl.routes (position, pattern, route)
SELECT toUInt16(position), pattern, route
FROM (
    SELECT arrayJoin(arrayZip(range(1, length({patterns:Array(String)}) + 1),
                              {patterns:Array(String)}, {routes:Array(String)})) AS rule,
        rule.1 AS position, rule.2 AS pattern, rule.3 AS route
)
