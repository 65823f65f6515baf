-- etl.agent_rebuilds: the business days whose visits a re-classification of user agents can
-- change (`loupe etl user-agents --reclassify`: days with calls of an agent whose classification
-- changed), until a build of the day with the sessions job clears them. The nightly run rebuilds
-- them. Grain: day. ReplacingMergeTree: a day asked for twice is one row.
CREATE TABLE IF NOT EXISTS etl.agent_rebuilds {{ ddl.on_cluster }}
(
    date Date,
    requested_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY date;
