-- dwh.daily_channels: the day's visits by acquisition (grain: day x channel x utm_source x
-- utm_medium x utm_campaign x device_type; bots excluded; time column: date), rebuilt with the
-- day swap like dwh.sessions it sums. ORDER BY (channel, utm_source, utm_medium, utm_campaign):
-- the acquisition dashboard groups days by channel, then by source/medium and campaign.
-- etl.daily_channels is its staging twin, etl.previous_daily_channels the swap's undo copy.
CREATE TABLE IF NOT EXISTS {{ ddl.table("dwh.daily_channels") }} {{ ddl.on_cluster }}
(
    date Date,
    channel LowCardinality(String),
    utm_source LowCardinality(String),
    utm_medium LowCardinality(String),
    utm_campaign LowCardinality(String),
    device_type LowCardinality(String),
    visits UInt64,
    bounces UInt64,
    visits_with_order UInt64,
    orders UInt64,
    revenue Float64
)
ENGINE = {{ ddl.engine("dwh.daily_channels") }}
PARTITION BY date
ORDER BY (channel, utm_source, utm_medium, utm_campaign, device_type)
{{ ddl.settings() }};

CREATE TABLE IF NOT EXISTS etl.daily_channels {{ ddl.on_cluster }} AS {{ ddl.table("dwh.daily_channels") }}
ENGINE = MergeTree PARTITION BY date ORDER BY (channel, utm_source, utm_medium, utm_campaign, device_type);

CREATE TABLE IF NOT EXISTS etl.previous_daily_channels {{ ddl.on_cluster }} AS etl.daily_channels;
