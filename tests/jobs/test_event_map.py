"""The shop-API map becomes the SQL's parameters: parse flags, key positions, and clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from loupe.errors import ConfigError
from loupe.jobs.event_map import ShopApiMap, load_map


def _packaged() -> dict:
    return load_map().model_dump()


def test_bodies_are_parsed_only_for_events_a_job_reads() -> None:
    params = load_map().query_parameters()
    flags = dict(zip(params["event_names"], zip(params["parse_request"], params["parse_response"])))
    assert flags["catalog"] == (1, 1)
    assert flags["product_view"] == (0, 1)  # product id from the path, price from the response
    assert flags["cart_add"] == (1, 1)  # product id and qty asked; the line after it answered
    assert flags["favorites_view"] == (0, 1)  # a list call
    assert flags["search_suggest"] == (0, 0)
    assert flags["login"] == (0, 1)  # the user it answers with (the guest cart moves there)
    assert flags["cart_remove"] == (0, 0)


def test_a_cart_add_answer_shares_the_price_key_of_a_product_page() -> None:
    params = load_map().query_parameters()
    assert params["response_cart_price_at"] == params["response_product_price_at"]
    assert "`qty` UInt32" in params["response_type"]
    assert "`user_id` UInt64" in params["response_type"]


def test_a_map_written_before_the_cart_answer_keys_still_loads() -> None:
    raw = _packaged()
    del raw["cart_add"], raw["auth"]
    assert ShopApiMap.model_validate(raw).query_parameters() == load_map().query_parameters()


def test_list_item_ids_point_into_the_item_tuple() -> None:
    params = load_map().query_parameters()
    at = dict(zip(params["event_names"], params["list_item_id_at"]))
    # Items parse into Tuple(`id` UInt64, `product_id` UInt64): keys sorted.
    assert "Array(Tuple(`id` UInt64, `product_id` UInt64))" in params["response_type"]
    assert (at["catalog"], at["favorites_view"], at["cart_view"], at["order"]) == (1, 2, 2, 0)


def test_request_product_id_and_qty_keys_follow_the_order_lines() -> None:
    request_type = load_map().query_parameters()["request_type"]
    assert "`price` Float64)), `product_id` UInt64, `qty` Int64, " in request_type


def test_two_request_keys_for_product_ids_are_refused() -> None:
    raw = _packaged()
    raw["events"]["favorite_add"]["product_id"] = "request.item_id"
    with pytest.raises(ValueError, match="one request key for product_id"):
        ShopApiMap.model_validate(raw).query_parameters()


def test_a_map_without_request_quantities_still_parses() -> None:
    raw = _packaged()
    raw["events"]["cart_add"]["qty"] = ""
    params = ShopApiMap.model_validate(raw).query_parameters()
    assert "`__no_qty` Int64" in params["request_type"]
    assert params["parse_request"][params["event_names"].index("cart_add")] == 1


def test_a_broken_map_file_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("events: {catalog: {method: GET}}\n")
    expected = f"shop_api_map {broken}: events.catalog.path: Field required"
    with pytest.raises(ConfigError, match=f"^{re.escape(expected)}$"):
        load_map(broken)
    broken.write_text("events: [")
    with pytest.raises(ConfigError, match=f"^{re.escape(f'shop_api_map {broken}: ')}.+"):
        load_map(broken)
