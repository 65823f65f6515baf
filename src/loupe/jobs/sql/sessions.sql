-- job: after=visit_calls per_visit
-- etl.sessions for one business day: one row per visit, from etl.visit_calls (grain: visit;
-- time column: start_ts). Actions count only successful calls (status < 400). Device, OS and
-- browser come from dwh.user_agents by the visit's first user agent and its client hints: those
-- of the visit's first call that sent a model (Sec-CH-UA-Model comes only after the shop asked
-- for it), else of its first call. bot_reason: `user_agent` when
-- that agent is a bot's, else the first behaviour rule the visit breaks (jobs/templates/
-- behaviour_bots.sql), else empty; is_bot when it is not empty. is_returning: an earlier
-- visit of the same session or user exists (earlier on the day, or on a day already built:
-- etl.visitors).
-- Acquisition (landing page, referrer host, UTM tags, click id type, channel) comes from the
-- visit's first call, by the channel rules (jobs/channels.yaml, as parameters): see `sourced`.
-- The calls table is a parameter: etl.visit_calls, or etl.touched_calls in an hourly run.
{#- Whether the host or name `x` is one of the sites of the list parameter `sites`: an entry
    matches a run of whole dot-separated labels (`google` matches `www.google.co.uk`). #}
{% macro among(sites, x) -%}
arrayExists(site -> position(concat('.', {{ x }}, '.'), concat('.', site, '.')) > 0, {{ '{' ~ sites ~ ':Array(String)}' }})
{%- endmacro %}
{% macro on_shop(x) -%}
arrayExists(h -> {{ x }} = h OR endsWith({{ x }}, concat('.', h)), {shop_hosts:Array(String)})
{%- endmacro %}
{% macro tag(name) -%}
lowerUTF8(trimBoth(decodeURLFormComponent(extractURLParameter(landing_lower, '{{ name }}'))))
{%- endmacro %}
INSERT INTO etl.sessions
WITH
{% include "behaviour_bots.sql" %}
    visit AS (
        SELECT
            date, visit_id, any(session_id) AS session_id,
            min(ts) AS start_ts, max(ts) AS end_ts,
            argMaxIf(user_id, seq, user_id > 0) AS last_user_id,
            countIf(event_type = 'register' AND is_ok) > 0 AS registered_in_visit,
            argMin(user_agent, seq) AS first_user_agent,
            argMin(client_hints, (position(client_hints, '"model"') = 0, seq)) AS first_client_hints,
            count() AS calls,
            countIf(event_type = 'catalog' AND is_ok) AS catalog_calls,
            countIf(event_type = 'catalog' AND is_ok AND q != '') AS searches,
            countIf(event_type = 'catalog' AND is_ok AND q != '' AND results_total = 0) AS zero_result_searches,
            countIf(event_type = 'product_view' AND is_ok) AS product_views,
            uniqExactIf(product_id, event_type = 'product_view' AND is_ok) AS distinct_products,
            countIf(event_type = 'favorite_add' AND is_ok) AS favorite_adds,
            countIf(event_type = 'cart_add' AND is_ok) AS cart_adds,
            countIf(event_type = 'order' AND is_ok) AS orders,
            sumIf(order_total, event_type = 'order' AND is_ok) AS revenue,
            argMin(endpoint, seq) AS entry_endpoint,
            argMax(endpoint, seq) AS exit_endpoint,
            countIf(status >= 400) AS errors,
            argMin(referer, seq) AS first_referer,
            argMin(page_referrer, seq) AS first_page_referrer
        FROM etl.{calls:Identifier}
        WHERE date = {day:Date}
        GROUP BY date, visit_id
    ),
    -- The visit's source, from its first call (docs/acquisition.md). Its `referer` on one of the
    -- shop's hosts is the landing page (path and query, no fragment); the external referrer is
    -- the page's own referrer (`page_referrer`), or, when the frontend sent none, a first
    -- `referer` off the shop's hosts (records of the earlier contract). Tags are read from the
    -- landing page's query with case-insensitive names (and `&amp;` read as `&`).
    sourced AS (
        SELECT *,
            domainWithoutWWW(lower(first_referer)) AS referer_host,
            first_referer != '' AND {{ on_shop('referer_host') }} AS from_shop_page,
            cutFragment(pathFull(first_referer)) AS page_path,
            if(from_shop_page, if(startsWith(page_path, '/'), page_path, concat('/', page_path)), '')
                AS landing_url,
            replaceAll(lower(landing_url), '&amp;', '&') AS landing_lower,
            multiIf(first_page_referrer != '', first_page_referrer, from_shop_page, '', first_referer)
                AS external_referrer,
            domainWithoutWWW(lower(external_referrer)) AS referrer_host,
            {{ tag('utm_source') }} AS utm_source,
            {{ tag('utm_medium') }} AS utm_medium,
            {{ tag('utm_campaign') }} AS utm_campaign,
            {{ tag('utm_content') }} AS utm_content,
            {{ tag('utm_term') }} AS utm_term,
            -- The names of the landing page's parameters that have a value.
            arrayMap(p -> splitByChar('=', p)[1], arrayFilter(p -> match(p, '^[^=]+=.'), extractURLParameters(landing_lower)))
                AS landing_parameters,
            arrayFirst(name -> has(landing_parameters, name), {click_id_names:Array(String)}) AS click_id_type,
            if(click_id_type = '', '',
               {click_id_channels:Array(String)}[indexOf({click_id_names:Array(String)}, click_id_type)])
                AS click_channel,
            (utm_source || utm_medium || utm_campaign || utm_content || utm_term) != '' AS tagged,
            if(utm_source != '', utm_source, referrer_host) AS source,
            multiIf(
                NOT tagged AND click_id_type = '' AND referrer_host != ''
                    AND ({{ on_shop('referrer_host') }} OR {{ among('payment_gateways', 'referrer_host') }}),
                'internal',
                has({email_mediums:Array(String)}, utm_medium) OR {{ among('email_sites', 'source') }}, 'email',
                has({affiliate_mediums:Array(String)}, utm_medium), 'affiliate',
                has({display_mediums:Array(String)}, utm_medium), 'display',
                has({paid_social_mediums:Array(String)}, utm_medium) OR click_channel = 'paid_social'
                    OR ((has({paid_mediums:Array(String)}, utm_medium) OR click_channel != '')
                        AND {{ among('social_sites', 'source') }}),
                'paid_social',
                has({paid_mediums:Array(String)}, utm_medium) OR click_channel = 'paid_search', 'paid_search',
                has({social_mediums:Array(String)}, utm_medium) OR {{ among('social_sites', 'source') }},
                'organic_social',
                has({organic_mediums:Array(String)}, utm_medium) OR {{ among('search_engines', 'source') }},
                'organic_search',
                referrer_host != '' OR tagged, 'referral',
                'direct') AS channel
        FROM visit
    ),
    -- The day's sessions and users that have visits on earlier days: looked up by key in
    -- etl.visitors (ordered by key, small granules), which reads the granules of these keys only,
    -- not the history of dwh.sessions. Keys as in migration 0047. A (key, day) counts unless its
    -- latest version is a tombstone (argMax rather than FINAL: FINAL took 3x as long on a table
    -- of 9 parts).
    earlier_days AS (
        SELECT key FROM etl.visitors
        WHERE date < {day:Date}
          AND key IN (
              SELECT sipHash64('session', session_id) FROM etl.{calls:Identifier} WHERE date = {day:Date}
              UNION ALL
              SELECT sipHash64('user', user_id) FROM etl.{calls:Identifier}
              WHERE date = {day:Date} AND user_id > 0
          )
        GROUP BY key, date
        HAVING argMax(is_deleted, version) = 0
    ),
{%- if incremental %}
    -- First visit start per session and per user among the day's visits this run does not
    -- rebuild (carried over in etl.sessions).
    earlier AS (
        SELECT 's:' || session_id AS key, min(start_ts) AS first_start FROM etl.sessions
        WHERE date = {day:Date}
          AND session_id IN (SELECT session_id FROM etl.{calls:Identifier} WHERE date = {day:Date})
        GROUP BY session_id
        UNION ALL
        SELECT 'u:' || toString(user_id) AS key, min(start_ts) AS first_start FROM etl.sessions
        WHERE date = {day:Date} AND user_id > 0
          AND user_id IN (SELECT user_id FROM etl.{calls:Identifier} WHERE date = {day:Date})
        GROUP BY user_id
    ),
{%- endif %}
    -- is_returning: an earlier visit of the session or user, on this day (windows) or before.
    ranked AS (
        SELECT *,
            min(start_ts) OVER (PARTITION BY session_id) AS first_start_of_session_today,
            min(start_ts) OVER (PARTITION BY last_user_id) AS first_start_of_user_today
        FROM sourced
    )
SELECT
    v.date AS date,
    v.visit_id AS visit_id,
    v.session_id AS session_id,
    v.start_ts AS start_ts,
    v.end_ts AS end_ts,
    toUInt32(intDiv(toUnixTimestamp64Milli(v.end_ts) - toUnixTimestamp64Milli(v.start_ts), 1000)) AS duration_s,
    v.last_user_id AS user_id,
    if(v.last_user_id > 0, 'registered', 'guest') AS user_type,
    v.registered_in_visit AS registered_in_visit,
    (v.first_start_of_session_today < v.start_ts
        OR (v.last_user_id > 0 AND v.first_start_of_user_today < v.start_ts)
        OR sipHash64('session', v.session_id) IN (SELECT key FROM earlier_days)
        OR (v.last_user_id > 0 AND sipHash64('user', v.last_user_id) IN (SELECT key FROM earlier_days))
{%- if incremental %}
        OR (by_session.key != '' AND by_session.first_start < v.start_ts)
        OR (v.last_user_id > 0 AND by_user.key != '' AND by_user.first_start < v.start_ts)
{%- endif %}
    ) AS is_returning,
    if(ua.device_type = '', 'other', ua.device_type) AS device_type,
    ua.os AS os,
    ua.browser AS browser,
    ua.is_bot OR b.reason != '' AS is_bot,
    if(ua.is_bot, 'user_agent', b.reason) AS bot_reason,
    v.calls AS calls,
    v.catalog_calls AS catalog_calls,
    v.searches AS searches,
    v.zero_result_searches AS zero_result_searches,
    v.product_views AS product_views,
    v.distinct_products AS distinct_products,
    v.favorite_adds AS favorite_adds,
    v.cart_adds AS cart_adds,
    v.orders AS orders,
    v.revenue AS revenue,
    v.entry_endpoint AS entry_endpoint,
    v.exit_endpoint AS exit_endpoint,
    (v.catalog_calls + v.product_views + v.favorite_adds + v.cart_adds + v.orders) = 0 AS is_bounce,
    v.errors AS errors,
    v.landing_url AS landing_url,
    v.referrer_host AS referrer_host,
    v.utm_source AS utm_source,
    v.utm_medium AS utm_medium,
    v.utm_campaign AS utm_campaign,
    v.utm_content AS utm_content,
    v.utm_term AS utm_term,
    v.click_id_type AS click_id_type,
    v.channel AS channel
FROM ranked AS v
{%- if incremental %}
LEFT JOIN earlier AS by_session ON by_session.key = 's:' || v.session_id
LEFT JOIN earlier AS by_user ON by_user.key = 'u:' || toString(v.last_user_id)
{%- endif %}
LEFT JOIN (SELECT * FROM dwh.user_agents FINAL) AS ua
    ON ua.user_agent = v.first_user_agent AND ua.client_hints = v.first_client_hints
LEFT JOIN behaviour AS b ON b.visit_id = v.visit_id
SETTINGS join_use_nulls = 0, {{ insert_settings }}
