{#- The behaviour rules: CTEs of the WITH clause of jobs/sql/sessions.sql (included there), giving
    `behaviour` (grain: visit of the day; visit_id, reason) for the visits the build computes.
    A visit whose agent is an ordinary browser is a bot by what it does when it breaks one of
    these rules, checked in this order (the first one it breaks names its reason):
      regular_interval  12 calls or more, at least 1 s apart, every gap within 2% of the others:
                        a machine's clock (uptime monitors), never a person reading pages.
      catalog_sweep     12 distinct listing pages or more (filters, sort and page), and no
                        product view: a price or catalog scraper paging through the shop.
      cookieless_burst  a visit of one call, with no user, from a client address that made 10
                        or more such visits within 60 s of it (its own counted): a crawler
                        that keeps no cookie, so every call is a new session. The address is
                        what the warehouse keeps of it (full, its /24 or /48, or the day's keyed
                        hash): people behind one address (an office, a carrier's NAT) keep their
                        cookies and make visits of several calls, so they are not counted.
    Only visits that start on the day count for cookieless_burst, so a burst across midnight
    counts on each day apart. An hourly run (`incremental`) computes the reasons of the visits it
    rebuilds; the day's other single-call visits come from etl.sessions (carried over from dwh)
    with their address from etl.visit_calls, and the run rebuilds every single-call visit within
    a minute of its calls (jobs/queries/hourly_burst_visits.sql), so it agrees with a full build. #}
    visit_behaviour AS (
        SELECT
            visit_id,
            count() AS visit_calls,
            argMin(ip, seq) AS address,
            max(user_id) AS any_user,
            toUnixTimestamp64Milli(min(ts)) AS start_ms,
            arrayPopFront(arrayDifference(arraySort(groupArray(toUnixTimestamp64Milli(ts))))) AS gaps,
            uniqExactIf((section, q, material, metal, stone, price_min, price_max, sort, page, per_page),
                        event_type = 'catalog') AS listing_pages,
            countIf(event_type = 'product_view') AS product_requests
        FROM etl.{calls:Identifier}
        WHERE date = {day:Date}
        GROUP BY visit_id
    ),
    single_call_visits AS (
        SELECT visit_id, address, start_ms FROM visit_behaviour
        WHERE visit_calls = 1 AND any_user = 0 AND address != ''
{%- if incremental %}
        UNION ALL
        SELECT visit_id, argMax(ip, version) AS address, toUnixTimestamp64Milli(min(start_ts)) AS start_ms
        FROM etl.visit_calls
        WHERE date = {day:Date} AND seq = 1 AND user_id = 0 AND ip != ''
          AND visit_id IN (SELECT visit_id FROM etl.sessions WHERE date = {day:Date} AND calls = 1)
          AND visit_id NOT IN (SELECT visit_id FROM visit_behaviour)
        GROUP BY visit_id
{%- endif %}
    ),
    bursts AS (
        SELECT visit_id,
            count() OVER (PARTITION BY address ORDER BY start_ms
                          RANGE BETWEEN 60000 PRECEDING AND 60000 FOLLOWING) AS nearby
        FROM single_call_visits
    ),
    behaviour AS (
        SELECT
            v.visit_id AS visit_id,
            multiIf(
                v.visit_calls >= 12 AND arrayMin(v.gaps) >= 1000
                    AND arrayMax(v.gaps) - arrayMin(v.gaps) <= arrayAvg(v.gaps) * 0.02,
                'behaviour:regular_interval',
                v.listing_pages >= 12 AND v.product_requests = 0,
                'behaviour:catalog_sweep',
                b.nearby >= 10,
                'behaviour:cookieless_burst',
                '') AS reason
        FROM visit_behaviour AS v
        LEFT JOIN bursts AS b ON b.visit_id = v.visit_id
    ),
