"""Start URLs of a saved search on each real marketplace (query, price range, conditions, place).

Every builder takes the marketplace's base URL, so a deployment (or a test) can point it
elsewhere; `DEFAULT_BASE_URLS` are the real sites. Filters a marketplace cannot express in
its URL are left out: the saved search's own rules still decide which listings alert.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Protocol
from urllib.parse import quote, urlencode

from arb_pipeline.sources.ebay_auth import CONDITION_IDS as EBAY_CONDITION_IDS
from arb_pipeline.sources.ebay_auth import search_url as ebay_browse_url

DEFAULT_BASE_URLS = {
    "ebay_api": "https://api.ebay.com",
    "ebay": "https://www.ebay.com",
    "craigslist": "https://{location}.craigslist.org",
    "gumtree": "https://www.gumtree.pl",
    "kleinanzeigen": "https://www.kleinanzeigen.de",
    "vinted": "https://www.vinted.co.uk",
    "mercari": "https://www.mercari.com",
    "facebook": "https://www.facebook.com",
}
EBAY_CURRENCIES = {
    "EBAY_US": "USD",
    "EBAY_GB": "GBP",
    "EBAY_DE": "EUR",
    "EBAY_FR": "EUR",
    "EBAY_IT": "EUR",
    "EBAY_ES": "EUR",
    "EBAY_AT": "EUR",
    "EBAY_IE": "EUR",
    "EBAY_NL": "EUR",
    "EBAY_BE": "EUR",
    "EBAY_CA": "CAD",
    "EBAY_AU": "AUD",
    "EBAY_CH": "CHF",
    "EBAY_PL": "PLN",
}
# The marketplaces' own condition codes for each canonical condition.
CRAIGSLIST_CONDITIONS = {
    "new": ["10"],
    "like_new": ["20", "30"],
    "good": ["40"],
    "fair": ["50"],
    "for_parts": ["60"],
}
VINTED_STATUS_IDS = {"new": ["6", "1"], "good": ["2", "3"], "fair": ["4"]}
MERCARI_CONDITIONS = {"new": [1], "like_new": [2], "good": [3], "fair": [4], "for_parts": [5]}
FACEBOOK_CONDITIONS = {
    "new": ["new"],
    "like_new": ["used_like_new"],
    "good": ["used_good"],
    "fair": ["used_fair"],
}
KLEINANZEIGEN_RADII_KM = (5, 10, 20, 30, 50, 100, 150, 200)
MERCARI_PAGE = 120
KM_PER_MILE = 1.609344


class SearchTerms(Protocol):
    """What a saved search says about what to look for (alerts.searches.Search has it)."""

    name: str
    query: str | None
    price_min: float | None
    price_max: float | None
    conditions: list[str]
    location: str | None
    radius_km: float | None


class SearchUrlError(ValueError):
    """A saved search lacks what a marketplace needs to be searched (a query, a location…)."""


def _codes(table: dict[str, list], conditions: Sequence[str]) -> list:
    return [code for name in conditions for code in table.get(name, [])]


def _whole(value: float) -> str:
    return str(math.floor(value)) if value == math.floor(value) else f"{value:.2f}"


def _slug(text: str) -> str:
    """ASCII words joined by '-' ("Kraków Nowa Huta" -> "krakow-nowa-huta")."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def _query(search: SearchTerms, marketplace: str) -> str:
    query = (search.query or "").strip()
    if not query:
        raise SearchUrlError(f"search {search.name!r} has no query; {marketplace} needs one")
    return query


def ebay_api_urls(
    search: SearchTerms, base_url: str, ebay_marketplace_id: str = "EBAY_US"
) -> list[str]:
    """Browse API item_summary/search (price filters in the marketplace's currency)."""
    return [
        ebay_browse_url(
            _query(search, "ebay_api"),
            marketplace=ebay_marketplace_id,
            price_min=search.price_min,
            price_max=search.price_max,
            currency=EBAY_CURRENCIES.get(ebay_marketplace_id, "USD"),
            conditions=list(search.conditions) or None,
            base_url=base_url,
        )
    ]


def ebay_urls(search: SearchTerms, base_url: str) -> list[str]:
    """eBay search result pages: live listings, then sold ones (the comps)."""
    params = {"_nkw": _query(search, "ebay"), "_sacat": "0", "_ipg": "240"}
    if search.price_min is not None:
        params["_udlo"] = _whole(search.price_min)
    if search.price_max is not None:
        params["_udhi"] = _whole(search.price_max)
    if search.conditions:
        ids = dict.fromkeys(_codes(EBAY_CONDITION_IDS, search.conditions))
        params["LH_ItemCondition"] = "|".join(ids)
    if search.location:  # a postal code; eBay measures the distance in miles
        params["_stpos"] = search.location
        if search.radius_km:
            params["_sadis"] = str(math.ceil(search.radius_km / KM_PER_MILE))
    live = f"{base_url}/sch/i.html?{urlencode(params)}"
    return [live, f"{live}&LH_Sold=1&LH_Complete=1"]


def craigslist_urls(search: SearchTerms, base_url: str) -> list[str]:
    """Craigslist for-sale search on the site named by the search's location (e.g. sfbay)."""
    params: list[tuple[str, str]] = [("query", _query(search, "craigslist"))]
    if search.price_min is not None:
        params.append(("min_price", _whole(search.price_min)))
    if search.price_max is not None:
        params.append(("max_price", _whole(search.price_max)))
    params += [("condition", code) for code in _codes(CRAIGSLIST_CONDITIONS, search.conditions)]
    return [f"{base_url}/search/sss?{urlencode(params)}"]


def gumtree_urls(search: SearchTerms, base_url: str) -> list[str]:
    """gumtree.pl keyword search, in the search's town when it has one."""
    path = f"/s-{_slug(_query(search, 'gumtree'))}"
    if search.location:
        path += f"/{_slug(search.location)}"
    url = f"{base_url}{path}/v1q0p1"
    if search.price_min is not None or search.price_max is not None:
        low = "" if search.price_min is None else _whole(search.price_min)
        high = "" if search.price_max is None else _whole(search.price_max)
        url += "?" + urlencode({"pr": f"{low},{high}"})
    return [url]


def kleinanzeigen_urls(search: SearchTerms, base_url: str) -> list[str]:
    """The search form's URL (Kleinanzeigen redirects it to its result pages)."""
    params = {"keywords": _query(search, "kleinanzeigen"), "action": "find", "pageNum": "1"}
    if search.location:
        params["locationStr"] = search.location
        if search.radius_km:
            radius = next((r for r in KLEINANZEIGEN_RADII_KM if r >= search.radius_km), 200)
            params["radius"] = str(radius)
    if search.price_min is not None:
        params["minPrice"] = str(math.floor(search.price_min))
    if search.price_max is not None:
        params["maxPrice"] = str(math.ceil(search.price_max))
    return [f"{base_url}/s-suchanfrage.html?{urlencode(params)}"]


def vinted_urls(search: SearchTerms, base_url: str) -> list[str]:
    """Vinted's catalog items API, newest first."""
    params: list[tuple[str, str]] = [
        ("search_text", _query(search, "vinted")),
        ("order", "newest_first"),
        ("per_page", "96"),
        ("page", "1"),
    ]
    if search.price_min is not None:
        params.append(("price_from", _whole(search.price_min)))
    if search.price_max is not None:
        params.append(("price_to", _whole(search.price_max)))
    params += [("status_ids[]", code) for code in _codes(VINTED_STATUS_IDS, search.conditions)]
    return [f"{base_url}/api/v2/catalog/items?{urlencode(params)}"]


def mercari_urls(search: SearchTerms, base_url: str, query_hash: str | None) -> list[str]:
    """Mercari's GraphQL `searchQuery` as a persisted-query GET (prices in cents)."""
    if not query_hash:
        raise SearchUrlError(
            "mercari needs the sha256Hash of its searchQuery persisted query: set "
            "ARB_MERCARI_QUERY_HASH (copy it from a searchQuery request in your browser)"
        )
    criteria: dict[str, object] = {
        "query": _query(search, "mercari"),
        "offset": 0,
        "length": MERCARI_PAGE,
        "itemConditions": _codes(MERCARI_CONDITIONS, search.conditions),
    }
    if search.price_min is not None:
        criteria["minPrice"] = round(search.price_min * 100)
    if search.price_max is not None:
        criteria["maxPrice"] = round(search.price_max * 100)
    params = {
        "operationName": "searchQuery",
        "variables": json.dumps({"criteria": criteria}, separators=(",", ":")),
        "extensions": json.dumps(
            {"persistedQuery": {"version": 1, "sha256Hash": query_hash}}, separators=(",", ":")
        ),
    }
    return [f"{base_url}/v1/api?{urlencode(params)}"]


def facebook_urls(search: SearchTerms, base_url: str) -> list[str]:
    """Marketplace search in the search's city (its slug or id), else the account's own."""
    params = {"query": _query(search, "facebook")}
    if search.price_min is not None:
        params["minPrice"] = str(math.floor(search.price_min))
    if search.price_max is not None:
        params["maxPrice"] = str(math.ceil(search.price_max))
    if conditions := _codes(FACEBOOK_CONDITIONS, search.conditions):
        params["itemCondition"] = ",".join(conditions)
    place = f"/{quote(search.location.strip(), safe='')}" if search.location else ""
    return [f"{base_url}/marketplace{place}/search?{urlencode(params)}"]


_BUILDERS: dict[str, Callable[..., list[str]]] = {
    "ebay": ebay_urls,
    "craigslist": craigslist_urls,
    "gumtree": gumtree_urls,
    "kleinanzeigen": kleinanzeigen_urls,
    "vinted": vinted_urls,
    "facebook": facebook_urls,
}


def base_url_for(marketplace: str, search: SearchTerms, override: str | None = None) -> str:
    """The configured base URL, else the real site's (Craigslist's host is the location)."""
    if override:
        return override.rstrip("/")
    default = DEFAULT_BASE_URLS[marketplace]
    if "{location}" not in default:
        return default
    site = (search.location or "").strip().lower()
    if not re.fullmatch(r"[a-z0-9]+", site):
        raise SearchUrlError(
            f"search {search.name!r}: {marketplace} needs location set to its site "
            f"(the subdomain, e.g. sfbay), got {search.location!r}"
        )
    return default.format(location=site)


def start_urls(
    marketplace: str,
    search: SearchTerms,
    base_url: str | None = None,
    *,
    ebay_marketplace_id: str = "EBAY_US",
    mercari_query_hash: str | None = None,
) -> list[str]:
    """Where a crawl of `search` on `marketplace` starts (the parsers find the next pages)."""
    if marketplace not in DEFAULT_BASE_URLS:
        known = ", ".join(DEFAULT_BASE_URLS)
        raise SearchUrlError(f"no search URL for {marketplace!r}; searchable: {known}")
    base = base_url_for(marketplace, search, base_url)
    if marketplace == "ebay_api":
        return ebay_api_urls(search, base, ebay_marketplace_id)
    if marketplace == "mercari":
        return mercari_urls(search, base, mercari_query_hash)
    return _BUILDERS[marketplace](search, base)
