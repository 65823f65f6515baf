-- The ids of the staged production orders whose {column} is one of {values} (grain: order): an
-- erased person's, whose lines go with them.
SELECT id FROM etl.dim_orders WHERE toString({column:Identifier}) IN {values:Array(String)}
