"""eBay Browse API search parser, on a real saved response."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from arb_pipeline.sources import ebay_api
from arb_pipeline.sources.common import (
    CONDITIONS,
    RECORD_FIELDS,
    STATUSES,
    BlockedPageError,
    ParseError,
)
from arb_pipeline.sources.pages import read_page
from arb_pipeline_tests.sources.expected_outputs import check_expected

URL = (
    "https://api.ebay.com/buy/browse/v1/item_summary/search?q=iphone&limit=100&sort=price&offset=0"
)


@pytest.fixture(scope="module")
def body(shared_fixtures: Path) -> bytes:
    return (shared_fixtures / "ebay_browse_api" / "search_iphone_sort_price_2023.json").read_bytes()


def _item(item_id: str, title: str = "iPhone 12 64GB", **extra: object) -> dict:
    return {
        "itemId": item_id,
        "title": title,
        "itemWebUrl": f"https://www.ebay.com/itm/{item_id}",
        "price": {"value": "199.99", "currency": "USD"},
        **extra,
    }


def test_every_item_becomes_a_valid_record(body: bytes) -> None:
    records, problems = ebay_api.parse_with_problems(body, URL)
    assert len(records) == 100 and problems == []
    assert len({r["listing_id"] for r in records}) == 100
    for record in records:
        assert tuple(record) == RECORD_FIELDS
        assert record["source"] == "ebay_api" and record["status"] in STATUSES
        assert record["condition"] in CONDITIONS and record["title"]
        assert record["url"].startswith("https://www.ebay.com/itm/")
        assert record["listed_at"].tzinfo is not None


def test_known_values_of_the_cheapest_item(body: bytes) -> None:
    first = ebay_api.parse(body, URL)[0]
    assert first["listing_id"] == "v1|385462201428|653317790198"
    assert first["title"] == (
        "For iPhone 14 Plus 13 12 11 Pro Max Tempered Glass Camera Lens Screen Protector"
    )
    assert (first["price"], first["currency"], first["shipping_price"]) == (0.75, "USD", 0.0)
    assert (first["condition"], first["condition_raw"]) == ("new", "New")
    assert first["category_raw"] == "Screen Protectors"
    assert (first["seller_id"], first["location"]) == ("funda48", "CN")
    assert first["listed_at"] == datetime(2023, 3, 7, 12, 4, 38, tzinfo=UTC)
    assert first["attributes"]["original_price"] == 0.99
    assert first["attributes"]["original_currency"] == "CAD"
    assert first["attributes"]["seller_feedback_score"] == 1541
    assert first["attributes"]["buying_options"] == ["FIXED_PRICE"]


def test_conditions_titles_and_locations(body: bytes) -> None:
    records = ebay_api.parse(body, URL)
    conditions = [r["condition"] for r in records]
    assert conditions.count("new") == 96 and conditions.count("like_new") == 1
    assert conditions.count("unknown") == 3  # unlock services carry no condition
    assert all(not r["title"].startswith(" ") for r in records)
    by_id = {r["listing_id"]: r for r in records}
    assert by_id["v1|134494020089|0"]["location"] == "G2L***, CA"  # masked postal code, country
    assert by_id["v1|134494020089|0"]["condition"] == "like_new"  # conditionId 2750, title "NEW"


def test_next_page_is_the_next_link(body: bytes) -> None:
    assert ebay_api.next_page(body, URL) == URL.replace("offset=0", "offset=100")
    last = json.dumps({"total": 3, "offset": 0, "itemSummaries": []}).encode()
    assert ebay_api.next_page(last, URL) is None


def test_empty_result_page() -> None:
    assert ebay_api.parse(b'{"href": "x", "total": 0, "limit": 50, "offset": 0}', URL) == []


def test_missing_price_and_optional_end_date() -> None:
    item = _item("v1|1|0", itemEndDate="2023-06-01T10:00:00.000Z")
    del item["price"]
    [record] = ebay_api.parse(json.dumps({"total": 1, "itemSummaries": [item]}).encode(), URL)
    assert record["price"] is None
    assert record["attributes"]["ended_at"] == "2023-06-01T10:00:00+00:00"


def test_one_broken_item_does_not_lose_the_others() -> None:
    items = [_item("v1|1|0"), _item("v1|2|0", title="   "), _item("v1|3|0")]
    body = json.dumps({"total": 3, "itemSummaries": items}).encode()
    records, problems = ebay_api.parse_with_problems(body, URL)
    assert [r["listing_id"] for r in records] == ["v1|1|0", "v1|3|0"]
    assert len(problems) == 1 and "item 1" in problems[0]
    assert [r["listing_id"] for r in ebay_api.parse(body, URL)] == ["v1|1|0", "v1|3|0"]


@pytest.mark.parametrize(
    "bad",
    [b'{"itemSummaries": [', b"", b"[1, 2]", b'{"href": "x", "limit": 100}'],
)
def test_malformed_bodies_raise_parse_error_naming_the_url(bad: bytes) -> None:
    with pytest.raises(ParseError, match="api.ebay.com") as caught:
        ebay_api.parse(bad, URL)
    assert not isinstance(caught.value, BlockedPageError)


def test_api_error_answer_is_blocked_with_its_message() -> None:
    body = b'{"errors": [{"errorId": 1001, "message": "Invalid access token"}]}'
    with pytest.raises(BlockedPageError, match="1001 Invalid access token"):
        ebay_api.parse(body, URL)
    assert read_page(ebay_api, body, URL).state == "blocked"


def test_real_browse_api_answer(shared_fixtures: Path) -> None:
    page = check_expected(
        shared_fixtures, "ebay_api", "ebay_browse_api/search_iphone_sort_price_2023.json"
    )
    assert (page.state, len(page.records), page.problems) == ("results", 100, [])
    assert {r["currency"] for r in page.records} == {"USD"}
    # prices are converted to the marketplace's currency; the seller's own is kept
    assert {r["attributes"]["original_currency"] for r in page.records} == {"CAD"}


@pytest.mark.parametrize(
    ("body", "state"),
    [
        (b'{"href": "x", "total": 0, "limit": 100, "offset": 0}', "empty"),
        (b'{"href": "x", "limit": 100, "offset": 0}', "unrecognized"),
        (b'{"total": 2, "itemSummaries": [{"foo": 1}, {"bar": 2}]}', "unrecognized"),
        (b'{"errors": [{"errorId": 2001, "message": "Too many requests"}]}', "blocked"),
        (
            b"<html><head><title>Access Denied</title></head><body><h1>Access Denied</h1>"
            b"<p>You don't have permission to access this server.</p></body></html>",
            "blocked",
        ),
    ],
)
def test_page_states(body: bytes, state: str) -> None:
    assert read_page(ebay_api, body, URL).state == state


def test_html_captcha_instead_of_json_is_blocked() -> None:
    page = b"<html><body><h1>Please verify you are human</h1><div id=captcha></div></body></html>"
    with pytest.raises(BlockedPageError):
        ebay_api.parse(page, URL)
