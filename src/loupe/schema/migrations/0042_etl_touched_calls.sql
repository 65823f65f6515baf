-- etl.touched_calls: an hourly run's staging of the visits its calls can change (of any day),
-- with the columns of etl.visit_calls. The per-visit jobs of the run read it (it is small); its
-- rows then replace those visits' rows in etl.visit_calls.
CREATE TABLE IF NOT EXISTS etl.touched_calls {{ ddl.on_cluster }} AS etl.visit_calls;
