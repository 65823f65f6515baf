-- dwh.search_gaps: what visitors asked the catalog for, by filter combination (grain: day x
-- section x material x metal x stone x price_band, list filters' values sorted and joined with
-- `|`; bots excluded; time column: date), rebuilt with the day swap like dwh.catalog_sessions
-- it sums. ORDER BY the combination: a gap is read by section first.
-- etl.search_gaps is its staging twin, etl.previous_search_gaps the swap's undo copy.
CREATE TABLE IF NOT EXISTS {{ ddl.table("dwh.search_gaps") }} {{ ddl.on_cluster }}
(
    date Date,
    section LowCardinality(String),
    material String,
    metal String,
    stone String,
    price_band LowCardinality(String),
    searches UInt64,
    zero_result UInt64,
    no_click UInt64,
    example_query String
)
ENGINE = {{ ddl.engine("dwh.search_gaps") }}
PARTITION BY date
ORDER BY (section, material, metal, stone, price_band)
{{ ddl.settings() }};

CREATE TABLE IF NOT EXISTS etl.search_gaps {{ ddl.on_cluster }} AS {{ ddl.table("dwh.search_gaps") }}
ENGINE = MergeTree PARTITION BY date ORDER BY (section, material, metal, stone, price_band);

CREATE TABLE IF NOT EXISTS etl.previous_search_gaps {{ ddl.on_cluster }} AS etl.search_gaps;
