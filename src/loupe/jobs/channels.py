"""The channel rules (`channels.yaml`): the lists that decide each visit's channel.

Like the shop-API map, the SQL never names a site or a medium: jobs/sql/sessions.sql receives
these lists as query parameters, with the shop's hosts (setting `shop_hosts`). The packaged file
holds the search engines, social sites and mediums of the shop's audience; a shop replaces it
with its own (setting `channel_rules`). See docs/acquisition.md.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, field_validator

from loupe.errors import ConfigError
from loupe.settings import Settings, first_error

PACKAGED_RULES = resources.files("loupe.jobs") / "channels.yaml"
CHANNELS = (
    "paid_search",
    "organic_search",
    "paid_social",
    "organic_social",
    "email",
    "referral",
    "affiliate",
    "display",
    "internal",
    "direct",
)
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")


def _names(values: list[str]) -> list[str]:
    """Entries lower-cased and trimmed; each a plain name (letters, digits, `_.-`)."""
    cleaned = [str(value).strip().lower() for value in values]
    for value in cleaned:
        if not _NAME.match(value):
            raise ValueError(f"not a plain name: {value!r}")
    return cleaned


class Mediums(BaseModel):
    """`utm_medium` values per kind of channel."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    email: list[str]
    affiliate: list[str]
    display: list[str]
    paid_social: list[str]
    paid: list[str]
    social: list[str]
    organic: list[str]

    @field_validator("*")
    @classmethod
    def _clean(cls, value: list[str]) -> list[str]:
        return _names(value)


class ChannelRules(BaseModel):
    """The whole rules file, validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    search_engines: list[str]
    social_sites: list[str]
    email_sites: list[str]
    payment_gateways: list[str]
    click_ids: dict[str, Literal["paid_search", "paid_social", ""]]
    mediums: Mediums

    @field_validator("search_engines", "social_sites", "email_sites", "payment_gateways")
    @classmethod
    def _sites(cls, value: list[str]) -> list[str]:
        return _names(value)

    @field_validator("click_ids")
    @classmethod
    def _click_ids(cls, value: dict[str, str]) -> dict[str, str]:
        names = _names(list(value))
        return dict(zip(names, value.values(), strict=True))

    def query_parameters(self, shop_hosts: list[str]) -> dict[str, Any]:
        """The rules as query parameters of jobs/sql/sessions.sql."""
        mediums = self.mediums
        return {
            "shop_hosts": shop_hosts,
            "search_engines": self.search_engines,
            "social_sites": self.social_sites,
            "email_sites": self.email_sites,
            "payment_gateways": self.payment_gateways,
            "click_id_names": list(self.click_ids),
            "click_id_channels": list(self.click_ids.values()),
            "email_mediums": mediums.email,
            "affiliate_mediums": mediums.affiliate,
            "display_mediums": mediums.display,
            "paid_social_mediums": mediums.paid_social,
            "paid_mediums": mediums.paid,
            "social_mediums": mediums.social,
            "organic_mediums": mediums.organic,
        }


@cache
def load_rules(path: Path | None = None) -> ChannelRules:
    """The channel rules in the YAML file `path` (setting `channel_rules`), or the packaged
    ones; a file that cannot be read or breaks a rule is refused with one line."""
    if path is None:
        return ChannelRules.model_validate(yaml.safe_load(PACKAGED_RULES.read_text()))
    try:
        return ChannelRules.model_validate(yaml.safe_load(path.read_text()))
    except ValueError as exc:
        raise ConfigError(f"channel_rules {path}: {first_error(exc)}") from exc
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"channel_rules {path}: {' '.join(str(exc).split())}") from exc


def channel_parameters(settings: Settings) -> dict[str, Any]:
    """The query parameters that decide channels under `settings`."""
    return load_rules(settings.channel_rules).query_parameters(settings.shop_hosts)
