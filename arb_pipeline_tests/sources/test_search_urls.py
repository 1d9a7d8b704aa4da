"""Start URLs of saved searches on the real marketplaces."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from arb_pipeline.searches import Search
from arb_pipeline.sources import mercari, vinted
from arb_pipeline.sources.marketplaces import start_urls
from arb_pipeline.sources.registry import MARKETPLACE_SOURCES
from arb_pipeline.sources.search_urls import SearchUrlError


def _search(**fields) -> Search:
    defaults = {"name": "phones", "query": "iphone 13", "recipients": ["me@example.com"]}
    return Search(**(defaults | fields))


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_every_marketplace_with_a_fetch_side_has_a_search_url() -> None:
    assert {"ebay", "ebay_api", "craigslist", "kleinanzeigen", "vinted"} <= set(MARKETPLACE_SOURCES)
    search = _search(location="sfbay")
    for source in MARKETPLACE_SOURCES:
        urls = start_urls(source, search, mercari_query_hash="abc")
        assert urls and all(url.startswith("https://") for url in urls), source


def test_ebay_api_url_carries_price_and_condition_filters_in_the_sites_currency() -> None:
    search = _search(price_min=100, price_max=450.5, conditions=["new", "fair"])
    (url,) = start_urls("ebay_api", search, ebay_marketplace_id="EBAY_GB")
    assert url.startswith("https://api.ebay.com/buy/browse/v1/item_summary/search?")
    query = _query(url)
    assert query["q"] == ["iphone 13"]
    assert query["filter"] == ["price:[100..450.5],priceCurrency:GBP,conditionIds:{1000|1750|6000}"]


def test_ebay_html_search_fetches_live_and_sold_listings() -> None:
    search = _search(price_max=300, conditions=["good"], location="94103", radius_km=40)
    live, sold = start_urls("ebay", search, "http://127.0.0.1:9")
    assert live.startswith("http://127.0.0.1:9/sch/i.html?")
    query = _query(live)
    assert query["_nkw"] == ["iphone 13"] and query["_udhi"] == ["300"]
    assert query["LH_ItemCondition"] == ["3000|4000|5000"]
    assert (query["_stpos"], query["_sadis"]) == (["94103"], ["25"])  # 40 km in miles
    assert _query(sold) == query | {"LH_Sold": ["1"], "LH_Complete": ["1"]}


def test_craigslist_site_comes_from_the_location_unless_the_base_url_is_set() -> None:
    search = _search(location="sfbay", price_min=50, conditions=["like_new"])
    (url,) = start_urls("craigslist", search)
    assert url.startswith("https://sfbay.craigslist.org/search/sss?")
    assert _query(url) == {
        "query": ["iphone 13"],
        "min_price": ["50"],
        "condition": ["20", "30"],
    }
    with pytest.raises(SearchUrlError, match="location set to its site"):
        start_urls("craigslist", _search())
    (local,) = start_urls("craigslist", _search(), "http://127.0.0.1:8000/")
    assert local.startswith("http://127.0.0.1:8000/search/sss?query=iphone+13")


def test_kleinanzeigen_uses_the_search_form_with_place_radius_and_price() -> None:
    search = _search(location="Berlin", radius_km=42, price_min=99.5, price_max=300)
    (url,) = start_urls("kleinanzeigen", search)
    assert url.startswith("https://www.kleinanzeigen.de/s-suchanfrage.html?")
    query = _query(url)
    assert query["keywords"] == ["iphone 13"] and query["locationStr"] == ["Berlin"]
    assert query["radius"] == ["50"]  # the next radius Kleinanzeigen offers
    assert (query["minPrice"], query["maxPrice"]) == (["99"], ["300"])


def test_gumtree_search_path_and_price_range() -> None:
    (url,) = start_urls("gumtree", _search(location="Kraków", price_max=2000))
    assert url == "https://www.gumtree.pl/s-iphone-13/krakow/v1q0p1?pr=%2C2000"


def test_vinted_api_url_pages_with_the_parser() -> None:
    search = _search(conditions=["new", "good"], price_max=80)
    (url,) = start_urls("vinted", search)
    query = _query(url)
    assert query["search_text"] == ["iphone 13"] and query["price_to"] == ["80"]
    assert query["status_ids[]"] == ["6", "1", "2", "3"]
    page = json.dumps({"items": [], "pagination": {"current_page": 1, "total_pages": 3}})
    assert _query(vinted.next_page(page.encode(), url))["page"] == ["2"]


def test_mercari_needs_the_persisted_query_hash_and_pages_with_the_parser() -> None:
    with pytest.raises(SearchUrlError, match="ARB_MERCARI_QUERY_HASH"):
        start_urls("mercari", _search())
    search = _search(price_min=10, conditions=["like_new"])
    (url,) = start_urls("mercari", search, mercari_query_hash="f00d")
    query = _query(url)
    criteria = json.loads(query["variables"][0])["criteria"]
    assert criteria["query"] == "iphone 13" and criteria["minPrice"] == 1000  # cents
    assert criteria["itemConditions"] == [2]
    assert json.loads(query["extensions"][0])["persistedQuery"]["sha256Hash"] == "f00d"
    full_page = json.dumps({"data": {"search": {"itemsList": [{}] * criteria["length"]}}})
    following = json.loads(_query(mercari.next_page(full_page.encode(), url))["variables"][0])
    assert following["criteria"]["offset"] == criteria["length"]


def test_facebook_searches_the_locations_marketplace() -> None:
    search = _search(location="nyc", price_max=500, conditions=["like_new", "good"])
    (url,) = start_urls("facebook", search)
    assert url.startswith("https://www.facebook.com/marketplace/nyc/search?")
    assert _query(url)["itemCondition"] == ["used_like_new,used_good"]
    (anywhere,) = start_urls("facebook", _search())
    assert anywhere == "https://www.facebook.com/marketplace/search?query=iphone+13"


def test_a_search_without_query_is_refused_with_its_name() -> None:
    with pytest.raises(SearchUrlError, match="search 'phones' has no query; ebay needs one"):
        start_urls("ebay", _search(query=None))
