"""Start URLs of a saved search on each real marketplace (query, price range, conditions, place).

Each marketplace module declares its own `MARKETPLACE` (its site, its `search_urls` builder and
its fetch quirks); this module holds what they share. Every builder takes the marketplace's base
URL, so a deployment (or a test) can point it elsewhere. Filters a marketplace cannot express in
its URL are left out: the saved search's own rules still decide which listings alert.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

KM_PER_MILE = 1.609344


class SearchTerms(Protocol):
    """What a saved search says about what to look for (searches.Search has it)."""

    name: str
    query: str | None
    price_min: float | None
    price_max: float | None
    conditions: list[str]
    location: str | None
    radius_km: float | None


@dataclass(frozen=True)
class SearchOptions:
    """Account settings some marketplaces' search URLs need."""

    ebay_marketplace_id: str = "EBAY_US"
    mercari_query_hash: str | None = None


@dataclass(frozen=True)
class Marketplace:
    """A real marketplace the pipeline crawls, declared by its module as `MARKETPLACE`.

    `marketplace` is where its listings resell (the fee schedule): eBay's API and pages are
    both `ebay`. `warmup_path` is fetched first for the session cookie some sites' APIs need.
    """

    name: str
    base_url: str
    search_urls: Callable[[SearchTerms, str, SearchOptions], list[str]]
    marketplace: str = ""
    render_js: bool = False
    warmup_path: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def exit_marketplace(self) -> str:
        """The marketplace whose fees and prices its listings meet."""
        return self.marketplace or self.name


class SearchUrlError(ValueError):
    """A saved search lacks what a marketplace needs to be searched (a query, a location…)."""


def codes(table: dict[str, list], conditions: Sequence[str]) -> list:
    """The marketplace's own codes for the canonical conditions asked for."""
    return [code for name in conditions for code in table.get(name, [])]


def whole(value: float) -> str:
    """An amount as a URL writes it: no decimals when it is whole."""
    return str(math.floor(value)) if value == math.floor(value) else f"{value:.2f}"


def slug(text: str) -> str:
    """ASCII words joined by '-' ("Kraków Nowa Huta" -> "krakow-nowa-huta")."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def query_of(search: SearchTerms, marketplace: str) -> str:
    """The search's query; SearchUrlError when it has none."""
    query = (search.query or "").strip()
    if not query:
        raise SearchUrlError(f"search {search.name!r} has no query; {marketplace} needs one")
    return query


def base_url_for(spec: Marketplace, search: SearchTerms, override: str | None = None) -> str:
    """The configured base URL, else the real site's (Craigslist's host is the location)."""
    if override:
        return override.rstrip("/")
    if "{location}" not in spec.base_url:
        return spec.base_url
    site = (search.location or "").strip().lower()
    if not re.fullmatch(r"[a-z0-9]+", site):
        raise SearchUrlError(
            f"search {search.name!r}: {spec.name} needs location set to its site "
            f"(the subdomain, e.g. sfbay), got {search.location!r}"
        )
    return spec.base_url.format(location=site)
