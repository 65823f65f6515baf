"""Search queries grouped as people mean them: the normal form (jobs/search_queries.py) and
`q_normalized` in dwh.catalog_sessions and dwh.daily_search_stats."""

from __future__ import annotations

from loupe.jobs.run import build_day
from loupe.jobs.search_queries import normalize_query
from loupe.settings import Settings
from loupe.warehouse import Warehouse
from tests.helpers.calls import DAY, catalog, load


def test_case_spacing_punctuation_and_inflection_variants_share_a_form() -> None:
    assert {normalize_query(q) for q in ("Rings", "ring", " ring ", "RING?", "rings!")} == {"ring"}
    assert normalize_query("кольца") == normalize_query("кольцо") == normalize_query("Кольцо.")
    assert normalize_query("Золотые, серьги") == normalize_query("золотое   серьги")
    assert normalize_query("ёлка") == normalize_query("елка")
    assert normalize_query("фианитами") == normalize_query("фианит")
    assert normalize_query("gold ring 585") == "gold ring 585"


def test_other_words_and_typos_stay_apart() -> None:
    assert normalize_query("ring") != normalize_query("earrings")
    assert normalize_query("earings") != normalize_query("earrings")  # a typo is another word
    assert normalize_query("gold ring") != normalize_query("ring gold")  # word order is kept


def test_catalog_calls_and_daily_stats_carry_the_normal_form(
    warehouse: Warehouse, settings: Settings
) -> None:
    queries = ["Rings", "  ring ", "ring?", "Кольца", "кольцо", "earings", ""]
    load(warehouse, [catalog(minute, {"q": q}) for minute, q in enumerate(queries, start=1)])
    build_day(warehouse, settings, DAY)
    rows = warehouse.rows("SELECT q, q_normalized FROM dwh.catalog_sessions ORDER BY seq")
    assert [(r["q"], r["q_normalized"]) for r in rows] == [
        ("rings", "ring"),
        ("ring", "ring"),
        ("ring?", "ring"),
        ("кольца", "кольц"),
        ("кольцо", "кольц"),
        ("earings", "ear"),
        ("", ""),
    ]
    stats = warehouse.rows(
        "SELECT q_normalized, sum(searches) AS n FROM dwh.daily_search_stats "
        "GROUP BY q_normalized ORDER BY q_normalized"
    )
    assert [(r["q_normalized"], r["n"]) for r in stats] == [
        ("ear", 1),
        ("ring", 3),
        ("кольц", 2),
    ]
    # Built again, the queries already known are not normalised twice.
    build_day(warehouse, settings, DAY)
    assert warehouse.scalar("SELECT count() FROM dwh.search_queries") == 6
