{#- The tables and views of one history entity (docs/history.md), as migrations 0020-0023 wrote
them by hand (less the key-only staging table that 0028 dropped). A migration adding an entity
imports the macro and calls it once:

    {% from "history_entity.sql" import history_entity %}
    {{ history_entity(ddl, "wishlists", key=["user_id", "item_id"],
        columns=["user_id Int64", "item_id Int64", "note String"]) }}

`columns` are the source columns kept ("name Type", the key's among them); the version columns
follow them. The migration's checksum covers this file too (schema/migrate.py): once a migration
that uses it is applied, this file is as fixed as that migration; a new shape is a new template. -#}
{% macro history_entity(ddl, name, key, columns) -%}
{%- set versions = "history." ~ name ~ "_versions" -%}
{%- set keys = key | join(", ") -%}
{%- set sort = keys if key | length == 1 else "(" ~ keys ~ ")" -%}
-- {{ versions }}: versions of the production `{{ name }}` rows (time column: valid_from, the
-- snapshot that saw the version first). Append-only: a snapshot inserts only new, changed,
-- deleted (is_deleted = 1) and re-inserted rows. ORDER BY (key..., version): a key's versions
-- sit together. PARTITION BY month of valid_from: one run's rows land in one partition, attached
-- atomically from etl.snapshot_{{ name }}_changes.
CREATE TABLE IF NOT EXISTS {{ ddl.table(versions) }} {{ ddl.on_cluster }}
(
{%- for column in columns %}
    {{ column }},
{%- endfor %}
    valid_from DateTime64(3, 'UTC'),
    version UInt32,
    row_hash UInt64,
    is_deleted UInt8,
    snapshot_id UInt64
)
ENGINE = {{ ddl.engine(versions) }}
PARTITION BY toYYYYMM(valid_from)
ORDER BY ({{ keys }}, version)
{{ ddl.settings() }};

{{ ddl.distributed(versions, "cityHash64(" ~ keys ~ ")") }};

-- Staging: the source rows read once per run, and the run's new versions (attached to
-- {{ versions }} in one step).
CREATE TABLE IF NOT EXISTS etl.snapshot_{{ name }} {{ ddl.on_cluster }}
AS {{ ddl.table(versions) }}
ENGINE = MergeTree PARTITION BY tuple() ORDER BY {{ sort }};

CREATE TABLE IF NOT EXISTS etl.snapshot_{{ name }}_changes {{ ddl.on_cluster }}
AS {{ ddl.table(versions) }}
ENGINE = MergeTree PARTITION BY toYYYYMM(valid_from) ORDER BY ({{ keys }}, version);

-- history.{{ name }}: every version with valid_to (the next version's valid_from, 2299-12-31 for
-- the open one) and the kind of change (insert, update, delete, reinsert).
CREATE VIEW IF NOT EXISTS history.{{ name }} {{ ddl.on_cluster }} AS
SELECT
    *,
    ifNull(
        anyOrNull(valid_from) OVER (
            PARTITION BY {{ keys }} ORDER BY version ROWS BETWEEN 1 FOLLOWING AND 1 FOLLOWING),
        toDateTime64('2299-12-31 00:00:00', 3, 'UTC')) AS valid_to,
    multiIf(
        is_deleted, 'delete',
        version = 1, 'insert',
        anyOrNull(is_deleted) OVER (
            PARTITION BY {{ keys }} ORDER BY version ROWS BETWEEN 1 PRECEDING AND 1 PRECEDING) = 1,
        'reinsert',
        'update') AS change
FROM {{ versions }};

-- history.{{ name }}_as_of(at = ...): the live rows at instant `at` (latest version per key seen
-- by then, unless it is a deletion).
CREATE VIEW IF NOT EXISTS history.{{ name }}_as_of {{ ddl.on_cluster }} AS
SELECT * EXCEPT (is_deleted)
FROM (
    SELECT *
    FROM {{ versions }}
    WHERE valid_from <= {at:DateTime64(3, 'UTC')}
    ORDER BY {{ keys }}, version DESC
    LIMIT 1 BY {{ keys }}
)
WHERE NOT is_deleted;

-- history.{{ name }}_changes(since = ..., until = ...): the versions that appeared in (since,
-- until].
CREATE VIEW IF NOT EXISTS history.{{ name }}_changes {{ ddl.on_cluster }} AS
SELECT *
FROM history.{{ name }}
WHERE valid_from > {since:DateTime64(3, 'UTC')} AND valid_from <= {until:DateTime64(3, 'UTC')};
{%- endmacro %}
