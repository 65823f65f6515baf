-- pd.api_calls gets `page_referrer`: the page's `document.referrer`, which the shop's frontend
-- sends with its API calls (X-Page-Referrer); `referer` is the shop page the call was made from
-- (docs/shop-api.md). The parsed calls (etl.visit_calls and an hourly run's etl.touched_calls)
-- carry both, after the parsed fields and before `version`, for the visits' acquisition
-- (jobs/sql/sessions.sql), and the call's `route` (its endpoint's template from the shop-API
-- map); a full build of a day fills them.
ALTER TABLE {{ ddl.table("pd.api_calls") }} {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS page_referrer String CODEC(ZSTD(1)) AFTER referer;
{% if ddl.cluster %}
ALTER TABLE pd.api_calls {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS page_referrer String AFTER referer;
{% endif %}
ALTER TABLE etl.visit_calls {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS referer String AFTER order_total,
    ADD COLUMN IF NOT EXISTS page_referrer String AFTER referer,
    ADD COLUMN IF NOT EXISTS route String AFTER page_referrer;
ALTER TABLE etl.touched_calls {{ ddl.on_cluster }}
    ADD COLUMN IF NOT EXISTS referer String AFTER order_total,
    ADD COLUMN IF NOT EXISTS page_referrer String AFTER referer,
    ADD COLUMN IF NOT EXISTS route String AFTER page_referrer;
