"""The sandbox marketplace: deterministic markets, served over real HTTP to the real parsers."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import date, timedelta
from typing import Any

import pytest

from arb_pipeline.sandbox.catalogue import generate_market
from arb_pipeline.sandbox.server import BANNER, BROWSE_PATH, SandboxMarketplace
from arb_pipeline.sources.common import BlockedPageError, ParseError
from arb_pipeline.sources.registry import parser_for

DAY = date(2024, 5, 1)
TRAP_KINDS = {"for_parts", "box_only", "accessory", "wanted", "no_price", "duplicate"}


def _ids(items: list[Any]) -> list[str]:
    return [item.listing_id for item in items]


def _get(url: str) -> tuple[bytes, Any]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read(), response.headers


def _crawl(server: SandboxMarketplace, feed: str) -> tuple[list[dict[str, Any]], int]:
    """Every record of a feed, following next_page; asserts no parse problems."""
    parser, url, records, pages = parser_for(feed), server.start_url(feed), [], 0
    while url:
        body, _ = _get(url)
        page_records, problems = parser.parse_with_problems(body, url)
        assert problems == [], problems
        records += page_records
        pages += 1
        url = parser.next_page(body, url)
    return records, pages


@pytest.fixture(scope="module")
def server():
    with SandboxMarketplace(DAY) as marketplace:
        yield marketplace


def test_same_seed_and_day_gives_the_same_market() -> None:
    first, second = generate_market(7, DAY), generate_market(7, DAY)
    assert _ids(first.ebay_active) == _ids(second.ebay_active)
    assert _ids(first.craigslist_active) == _ids(second.craigslist_active)
    assert _ids(first.completed) == _ids(second.completed)
    assert [i.price for i in first.ebay_active] == [i.price for i in second.ebay_active]


def test_listings_carry_over_days_some_with_price_cuts_and_new_ones_appear() -> None:
    today, tomorrow = generate_market(7, DAY), generate_market(7, DAY + timedelta(days=1))
    before = {item.listing_id: item.price for item in today.ebay_active}
    after = {item.listing_id: item.price for item in tomorrow.ebay_active}
    carried = set(before) & set(after)
    assert carried and set(after) - set(before) and set(before) - set(after)
    assert any(after[i] < before[i] for i in carried)
    assert all(after[i] <= before[i] for i in carried)


def test_planted_deals_and_every_trap_kind_exist() -> None:
    market = generate_market(7, DAY)
    deals = market.planted_deals()
    assert {marketplace for marketplace, _ in deals} == {"ebay", "craigslist"}
    assert len(deals) == 7  # 3 on eBay in USD, 1 on eBay in EUR, 3 on Craigslist
    assert set(market.traps()) == TRAP_KINDS
    assert not set(market.traps().values()) & deals


def test_ebay_api_feed_yields_every_active_listing(server: SandboxMarketplace) -> None:
    records, pages = _crawl(server, "ebay_api")
    ids = [record["listing_id"] for record in records]
    assert pages >= 2
    assert len(ids) == len(server.market.ebay_active) + 1  # one item repeated across pages
    assert set(ids) == {f"v1|{lid}|0" for lid in _ids(server.market.ebay_active)}


def test_a_german_sellers_listings_are_served_and_parsed_in_euros(
    server: SandboxMarketplace,
) -> None:
    """One planted deal is priced in EUR, so the demo must price a cross-currency listing."""
    records, _ = _crawl(server, "ebay_api")
    euro = {r["listing_id"]: r for r in records if r["currency"] == "EUR"}
    german = {f"v1|{i.listing_id}|0": i for i in server.market.ebay_active if i.currency == "EUR"}
    assert set(euro) == set(german) and len(german) >= 2
    assert [i.kind for i in german.values()].count("deal") == 1
    for listing_id, item in german.items():
        record = euro[listing_id]
        assert (record["price"], record["shipping_price"]) == (item.price, item.shipping)
        assert record["location"].endswith(", DE")
        # the seller's own currency, not a conversion: no convertedFrom… fields to keep
        assert "original_currency" not in record["attributes"]
    assert {r["currency"] for r in records if r["listing_id"] not in german} == {"USD"}


def test_ebay_finding_feed_yields_every_completed_item(server: SandboxMarketplace) -> None:
    records, pages = _crawl(server, "ebay_finding")
    assert pages >= 2
    assert sorted(r["listing_id"] for r in records) == sorted(_ids(server.market.completed))
    assert {r["status"] for r in records} == {"sold", "ended"}


def test_craigslist_feed_yields_every_active_listing(server: SandboxMarketplace) -> None:
    records, pages = _crawl(server, "craigslist")
    assert pages >= 2
    ids = [record["listing_id"] for record in records]
    assert sorted(ids) == sorted(_ids(server.market.craigslist_active))


def test_one_big_browse_page_holds_every_listing(server: SandboxMarketplace) -> None:
    url = f"{server.base_url}{BROWSE_PATH}?q=&limit=200&offset=0"
    records, problems = parser_for("ebay_api").parse_with_problems(_get(url)[0], url)
    assert problems == []
    assert len(records) == len(server.market.ebay_active)


def test_pages_are_marked_as_a_simulator(server: SandboxMarketplace) -> None:
    for feed in ("ebay_api", "ebay_finding", "craigslist"):
        _, headers = _get(server.start_url(feed))
        assert headers["X-Sandbox"] == "simulator"
    assert BANNER.encode() in _get(server.start_url("craigslist"))[0]
    assert BANNER.encode() in _get(server.start_url("ebay_api"))[0]


def test_ebay_api_500_fault_breaks_page_two() -> None:
    with SandboxMarketplace(DAY, faults={"ebay_api_500"}) as server:
        parser = parser_for("ebay_api")
        first = server.start_url("ebay_api")
        body, _ = _get(first)
        assert parser.parse(body, first)
        with pytest.raises(urllib.error.HTTPError) as error:
            _get(parser.next_page(body, first))
        assert error.value.code == 500


def test_craigslist_malformed_fault_breaks_page_two() -> None:
    with SandboxMarketplace(DAY, faults={"craigslist_malformed"}) as server:
        parser = parser_for("craigslist")
        first = server.start_url("craigslist")
        body, _ = _get(first)
        assert parser.parse(body, first)
        second = parser.next_page(body, first)
        with pytest.raises(ParseError):
            parser.parse_with_problems(_get(second)[0], second)


def test_craigslist_blocked_fault_serves_a_captcha() -> None:
    with SandboxMarketplace(DAY, faults={"craigslist_blocked"}) as server:
        url = server.start_url("craigslist")
        with pytest.raises(BlockedPageError):
            parser_for("craigslist").parse_with_problems(_get(url)[0], url)


def test_unknown_fault_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(ValueError, match="no_such_fault") as error:
        SandboxMarketplace(DAY, faults={"no_such_fault"})
    for known in ("ebay_api_500", "craigslist_malformed", "craigslist_blocked"):
        assert known in str(error.value)


def test_mercari_sells_the_same_items_dearer_and_slower_than_ebay() -> None:
    """Exit marketplaces really differ: the pipeline has something to choose between."""
    import statistics

    with SandboxMarketplace(DAY) as server:
        mercari, _ = _crawl(server, "mercari")
        ebay, _ = _crawl(server, "ebay_finding")
    assert mercari and {r["status"] for r in mercari} == {"sold"}
    assert {r["currency"] for r in mercari} == {"USD"}

    def median_price(records: list[dict[str, Any]], title: str, condition: str) -> float:
        return statistics.median(
            r["price"] for r in records if r["title"] == title and r["condition"] == condition
        )

    def median_days(records: list[dict[str, Any]], ended: str) -> float:
        from datetime import datetime

        return statistics.median(
            (datetime.fromisoformat(r["attributes"][ended]) - r["listed_at"]).days
            for r in records
            if r["status"] == "sold"
        )

    title = "Apple iPhone 13 128GB"
    assert median_price(mercari, title, "good") > 1.05 * median_price(
        [r for r in ebay if r["status"] == "sold"], title, "good"
    )
    assert median_days(mercari, "updated_at") > 2 * median_days(ebay, "ended_at")
