"""The entities configuration (`entities.yaml`): what it accepts and what it refuses."""

from __future__ import annotations

import pytest

from loupe.errors import ConfigError
from loupe.history.entities import load_config, parse_config

ITEMS = "entities:\n  items: {source: items, key: [id], label: %s}\n"


def test_the_packaged_file_names_the_items_label_column() -> None:
    assert load_config()["items"].label == "name"
    assert all(config.label is None for name, config in load_config().items() if name != "items")


def test_a_label_is_a_plain_column_name_of_items_only() -> None:
    assert parse_config(ITEMS % "title")["items"].label == "title"
    assert parse_config(ITEMS.replace(", label: %s", ""))["items"].label is None
    with pytest.raises(ConfigError, match="not a plain identifier"):
        parse_config(ITEMS % "'name; DROP TABLE items'")
    with pytest.raises(ConfigError, match="only the items entity has a label"):
        parse_config("entities:\n  stock: {source: stock, key: [item_id], label: name}\n")
