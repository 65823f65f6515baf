-- job: after=catalog_sessions rollup
-- etl.search_gaps for one business day, bots excluded: the catalog asks (successful catalog calls
-- of a result list's first page, searches or not) by filter combination. Grain: day x section x
-- material x metal x stone x price_band; a list filter's values are sorted and joined with `|`
-- (`gold|silver`), price_band is dwh.catalog_sessions'. `zero_result`: asks answered with no
-- result; `no_click`: results shown, none clicked; `example_query`: the combination's most
-- frequent query (the greatest of the most frequent on a tie), '' when it was never searched.
INSERT INTO etl.search_gaps
SELECT
    date, section, material, metal, stone, price_band,
    sum(asks) AS searches,
    sum(zero) AS zero_result,
    sum(unclicked) AS no_click,
    argMaxIf(q, (asks, q), q != '') AS example_query
FROM (
    SELECT
        date, section,
        arrayStringConcat(arraySort(material), '|') AS material,
        arrayStringConcat(arraySort(metal), '|') AS metal,
        arrayStringConcat(arraySort(stone), '|') AS stone,
        price_band, q,
        count() AS asks,
        countIf(is_zero_result) AS zero,
        countIf(NOT is_zero_result AND clicked_product_id = 0) AS unclicked
    FROM etl.catalog_sessions
    WHERE date = {day:Date} AND page = 1 AND NOT is_bot
    GROUP BY date, section, material, metal, stone, price_band, q
)
GROUP BY date, section, material, metal, stone, price_band
SETTINGS {{ insert_settings }}
